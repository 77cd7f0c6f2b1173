"""The CLI as a user runs it: a real subprocess on a real SQLite file (and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PAPERWIRE = str(Path(sys.executable).parent / "paperwire")


def cli(data_dir: Path, *args: str, url: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir), "PAPERWIRE_DATABASE_URL": url}
    return subprocess.run(
        [PAPERWIRE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow  # 16 CLI processes: 6-8 s
def test_import_show_stats_export(tmp_path: Path, shared_data: Path, database_url: str) -> None:
    data = tmp_path / "d"
    assert cli(data, "init", url=database_url).returncode == 0
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    first = cli(data, "import", "--json", str(snapshot), url=database_url)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["read"] == 200 and summary["new"] == 200 and summary["skipped"] == 0
    again = json.loads(cli(data, "import", "--json", str(snapshot), url=database_url).stdout)
    assert again["unchanged"] == 200 and again["new"] == again["updated"] == 0

    shown = cli(data, "show", "arXiv:0704.0001v2", url=database_url)
    assert shown.returncode == 0, shown.stderr
    assert "Calculation of prompt diphoton production cross sections" in shown.stdout
    as_json = json.loads(cli(data, "show", "--json", "0704.0001", url=database_url).stdout)
    assert as_json["doi"] == "10.1103/PhysRevD.76.013009"
    assert as_json["categories"] == ["hep-ph"]
    assert [v["version"] for v in as_json["versions"]] == [1, 2]

    stats = json.loads(cli(data, "stats", "--json", url=database_url).stdout)
    assert stats["papers"] == 200

    out = tmp_path / "export.jsonl"
    assert cli(data, "export", "-o", str(out), url=database_url).returncode == 0
    assert len(out.read_text().splitlines()) == 200
    # The export re-imports into a fresh SQLite store as the same papers.
    assert cli(tmp_path / "moved", "init").returncode == 0
    moved = json.loads(cli(tmp_path / "moved", "import", "--json", str(out)).stdout)
    assert moved["new"] == 200 and moved["skipped"] == 0
    assert json.loads(cli(tmp_path / "moved", "show", "--json", "0704.0001").stdout) == as_json


def test_exit_codes_and_messages(tmp_path: Path) -> None:
    data = tmp_path / "d"
    missing = cli(data, "show", "2301.00001")
    assert missing.returncode == 4 and "paperwire init" in missing.stderr
    assert cli(data, "init").returncode == 0
    not_found = cli(data, "show", "2301.00001")
    assert not_found.returncode == 3 and "no paper 2301.00001" in not_found.stderr
    invalid = cli(data, "show", "not-an-id")
    assert invalid.returncode == 2 and "not an arXiv id" in invalid.stderr
    nothing = cli(data, "import", str(tmp_path / "absent.jsonl"))
    assert nothing.returncode == 1 and "absent.jsonl" in nothing.stderr
    bad_format = cli(data, "import", "--format", "nope", str(tmp_path))
    assert bad_format.returncode == 2 and "unknown format" in bad_format.stderr
    bad_setting = subprocess.run(
        [PAPERWIRE, "stats"],
        env={**os.environ, "PAPERWIRE_IMPORT_BATCH_SIZE": "lots", "PAPERWIRE_DATA_DIR": str(data)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad_setting.returncode == 2 and "import_batch_size" in bad_setting.stderr


def test_partly_bad_file_imports_the_good_records(tmp_path: Path, shared_data: Path) -> None:
    lines = (
        (shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl")
        .read_bytes()
        .splitlines()
    )
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(
        b"\n".join([*lines[:10], b'{"id": "broken', b"\xff\xfe garbage", *lines[10:20]]) + b"\n"
    )
    assert cli(tmp_path / "d", "init").returncode == 0
    result = cli(tmp_path / "d", "import", "--json", str(damaged))
    assert result.returncode == 0
    summary = json.loads(result.stdout)
    assert summary["new"] == 20 and summary["skipped"] == 2
    assert any("damaged.jsonl:11" in p for p in summary["problems"])
    assert any("damaged.jsonl:12" in p for p in summary["problems"])


@pytest.mark.slow  # builds the demo store twice: about 6 s
@pytest.mark.parametrize("fmt", [None])
def test_demo_is_idempotent(tmp_path: Path, fmt: None) -> None:
    data = tmp_path / "d"
    assert cli(data, "init").returncode == 0
    first = cli(data, "demo")
    assert first.returncode == 0, first.stderr
    stats = json.loads(cli(data, "stats", "--json").stdout)
    assert stats["papers"] > 1000 and stats["with_upvotes"] > 1000
    second = cli(data, "demo")
    assert "new 0  updated 0" in second.stdout
    assert json.loads(cli(data, "stats", "--json").stdout) == stats


# What `paperwire show` must never import: its start-up time is measured (bench/show_bench.py).
HEAVY = {
    "sqlalchemy",
    "fastapi",
    "starlette",
    "pydantic",
    "onnxruntime",
    "tantivy",
    "usearch",
    "numpy",
    "rich",
    "paperwire.search",
    "paperwire.web",
}
SHOW_AND_LIST_MODULES = """
import json, sys
from paperwire.cli import main
sys.argv = ["paperwire", *sys.argv[1:]]
try:
    main()
finally:
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_show_starts_without_the_database_search_or_web_stack(
    tmp_path: Path, shared_data: Path
) -> None:
    data = tmp_path / "d"
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    assert cli(data, "init").returncode == 0
    assert cli(data, "import", "--no-index", str(snapshot)).returncode == 0
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data), "PAPERWIRE_DATABASE_URL": ""}
    for args in (["0704.0001"], ["--json", "0704.0001"]):
        run = subprocess.run(
            [sys.executable, "-c", SHOW_AND_LIST_MODULES, "show", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        assert "Calculation of prompt diphoton" in run.stdout
        modules = json.loads(run.stderr.splitlines()[-1])
        below = tuple(f"{name}." for name in HEAVY)
        assert [m for m in modules if m in HEAVY or m.startswith(below)] == []


def test_choices_are_the_domains_own() -> None:
    """The CLI's enums spell exactly what the service accepts."""
    from paperwire.cli.papers import Format
    from paperwire.cli.search import Mode, Sort
    from paperwire.cli.sync import Job
    from paperwire.search.engine import MODES, SORTS
    from paperwire.sources import FORMATS
    from paperwire.sync import JOBS

    assert [f.value for f in Format] == list(FORMATS)
    assert {m.value for m in Mode} == set(MODES)
    assert {s.value for s in Sort} == set(SORTS)
    assert [j.value for j in Job] == [*JOBS, "all"]


def test_wrong_choices_are_refused_with_the_valid_ones(tmp_path: Path) -> None:
    for args, message in (
        (["search", "--mode", "fuzzy", "x"], "unknown mode 'fuzzy'; choose one of: hybrid,"),
        (["search", "--sort", "size", "x"], "unknown sort order 'size'; choose one of: relevance"),
        (["sync", "nightly"], "unknown job 'nightly'; choose one of: arxiv, hf, all"),
    ):
        run = cli(tmp_path / "d", *args)
        assert run.returncode == 2 and message in run.stderr, run.stderr


def test_commands_refuse_a_store_that_needs_init(tmp_path: Path) -> None:
    """Only `init` (and `serve --migrate`) migrate: any other command names what to run."""
    for args in (["stats"], ["search", "x"], ["import", str(tmp_path)]):
        done = cli(tmp_path / "fresh", *args)
        assert done.returncode == 4, (args, done.stdout, done.stderr)
        assert "has no schema yet" in done.stderr and "paperwire init" in done.stderr
    assert cli(tmp_path / "fresh", "init").returncode == 0
    assert cli(tmp_path / "fresh", "stats").returncode == 0


def test_show_and_search_print_no_terminal_escapes(tmp_path: Path) -> None:
    # A real import path: a paperwire export whose title and abstract carry ESC/CSI sequences,
    # a BEL and an RTL override.
    title = "Escapes \x1b]0;owned\x07 in \x1b[2Jtitles \u202eevil\x9b31m"
    record = {"id": "2401.00001", "title": title, "abstract": "Line one\x1b[31m.\nLine two."}
    export = tmp_path / "hostile.jsonl"
    export.write_text(json.dumps(record) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    assert cli(data, "init").returncode == 0
    assert cli(data, "import", "--format", "paperwire", str(export)).returncode == 0
    show = cli(data, "show", "2401.00001")
    found = cli(data, "search", "--mode", "lexical", "escapes")
    for done in (show, found):
        assert done.returncode == 0, done.stderr
        assert "Escapes" in done.stdout
        for control in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert control not in done.stdout
    assert "Line one\ufffd[31m.\nLine two." in show.stdout


def test_a_failing_database_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert cli(data, "init").returncode == 0
    (data / "paperwire.db").write_bytes(b"not a database" * 1000)  # as after a failed disk
    for args in (("search", "diphoton"), ("serve", "--port", "9")):
        failed = cli(data, *args)
        assert failed.returncode == 4, (args, failed.stderr)
        assert "Traceback" not in failed.stderr
        assert [line for line in failed.stderr.splitlines() if line.strip()] == [
            f"error: database error on sqlite:///{data / 'paperwire.db'}: file is not a database"
        ], args


def test_a_newcomers_first_commands(tmp_path: Path, shared_data: Path) -> None:
    """Issue 13: what someone meets in their first minutes with the command line."""
    data = tmp_path / "d"
    version = cli(data, "--version")
    assert version.returncode == 0 and version.stdout.startswith("paperwire ")
    assert version.stdout.split()[-1][0].isdigit()
    typo = cli(data, "shwo", "2301.00001")
    assert typo.returncode == 2 and typo.stderr.count("Did you mean 'show'?") == 1
    before = cli(data, "show", "2301.00001")
    assert before.returncode == 4 and "paperwire init" in before.stderr
    assert not data.exists()  # asking created no empty store (nor an index)
    assert cli(data, "init").returncode == 0
    assert cli(data, "show", "hello").returncode == 2  # not an arXiv id: a usage error

    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    assert cli(data, "import", str(snapshot)).returncode == 0
    zero = cli(data, "search", "-n", "0", "diphoton")
    assert zero.returncode == 2 and "--limit" in zero.stderr
    found = cli(data, "search", "-n", "3", "diphoton production")
    assert found.returncode == 0, found.stderr
    assert "**" not in found.stdout and "diphoton" in found.stdout.lower()
    assert found.stdout.splitlines()[-1].endswith("· keyword matches")
    assert "semantic search is unavailable until papers are embedded" in found.stderr
    related = cli(data, "related", "-n", "3", "0704.0001")
    assert related.returncode == 0, related.stderr
    assert "not embedded yet" in related.stderr
    lines = related.stdout.splitlines()
    assert len(lines) == 3 and all(line.rstrip().endswith(")") for line in lines)
    assert not any(", " in line.rsplit("(", 1)[1] for line in lines)  # no raw BM25 scores


def test_user_list_set_password_and_delete(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert cli(data, "init").returncode == 0
    assert "no accounts yet" in cli(data, "user", "list").stdout
    for name in ("alice", "bob"):
        made = cli(data, "user", "add", name, "--password", "correct horse battery")
        assert made.returncode == 0, made.stderr
    listed = json.loads(cli(data, "user", "list", "--json").stdout)
    assert [(u["username"], u["admin"]) for u in listed] == [("alice", True), ("bob", False)]
    weak = cli(data, "user", "set-password", "bob", "--password", "short")
    assert weak.returncode == 2, weak.stderr
    changed = cli(data, "user", "set-password", "bob", "--password", "a brand new passphrase")
    assert changed.returncode == 0 and "logged out" in changed.stdout
    missing = cli(data, "user", "delete", "carol", "--yes")
    assert missing.returncode == 3 and "no account named 'carol'" in missing.stderr
    assert cli(data, "user", "delete", "bob", "--yes").returncode == 0
    assert [u["username"] for u in json.loads(cli(data, "user", "list", "--json").stdout)] == [
        "alice"
    ]
