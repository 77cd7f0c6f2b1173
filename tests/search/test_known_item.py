"""Known-item evaluation (`paperwire eval known-item`) on real papers: titles find their paper,
bad lines are listed with file, line and field, and the JSON has the documented shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperwire.errors import SourceError
from paperwire.search.known_item import load
from paperwire.service import Service

PAPERWIRE = str(Path(sys.executable).parent / "paperwire")


def titles(service: Service, n: int) -> list[tuple[str, str]]:
    papers = sorted(service.papers.iter_papers(), key=lambda p: p.id)[:n]
    return [(p.id, p.title) for p in papers]


def write_set(path: Path, service: Service) -> Path:
    lines = [json.dumps({"query": title, "id": pid}) for pid, title in titles(service, 20)]
    lines += [
        "{not json",
        json.dumps({"query": "", "id": "0704.0001"}),
        json.dumps({"query": "diphoton", "id": 7}),
        json.dumps(["a", "list"]),
        json.dumps({"query": "no such paper", "id": "2901.99999"}),
        json.dumps({"query": "!!! ...", "id": "0704.0001"}),
    ]
    path.write_text("\n".join(lines) + "\n\n")
    return path


def test_titles_find_their_papers_and_bad_lines_are_listed(
    snapshot_service: Service, tmp_path: Path
) -> None:
    path = write_set(tmp_path / "set.jsonl", snapshot_service)
    report = snapshot_service.search.evaluate_known_items(path, modes=["lexical"])
    # 20 titles and the punctuation-only query (refused: a miss, and listed).
    assert report.queries == 21
    assert report.scores["lexical"]["R@1"] == pytest.approx(20 / 21)
    assert report.scores["lexical"]["R@10"] == pytest.approx(20 / 21)
    problems = sorted(str(p) for p in report.problems)
    assert problems == [
        "set.jsonl:21: not JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))",
        "set.jsonl:22 [query]: missing, empty or not a string",
        "set.jsonl:23 [id]: missing, empty or not a string",
        "set.jsonl:24: not a JSON object",
        "set.jsonl:25 [id]: paper 2901.99999 is not in the store",
        "set.jsonl:26 [query]: query refused, counted as a miss: the query has nothing to "
        "search for: type some words, or a filter such as cat:cs.CL or "
        'author:"Yann LeCun"',
    ]


def test_a_missing_file_is_an_error_naming_the_format(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no such file.*query"):
        load(tmp_path / "nope.jsonl")


def test_cli_prints_the_documented_json(snapshot_service: Service, tmp_path: Path) -> None:
    settings = snapshot_service.settings
    path = write_set(tmp_path / "set.jsonl", snapshot_service)
    snapshot_service.close()
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(settings.data_dir),
        "PAPERWIRE_DATABASE_URL": settings.database_url,
    }
    run = subprocess.run(
        [PAPERWIRE, "eval", "known-item", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == {"lexical", "semantic", "hybrid", "queries", "problems", "notes"}
    assert data["queries"] == 21
    for mode in ("lexical", "semantic", "hybrid"):
        assert set(data[mode]) == {"R@1", "R@10", "MRR@10"}
        assert data[mode]["R@1"] == pytest.approx(20 / 21)
    # Nothing is embedded in this store: the numbers say so rather than pass for semantic.
    assert any("unavailable" in note for note in data["notes"])
    assert "6 lines with problems" in run.stderr
