"""read_path and detect_format: folders, compression, archives, detection, missing and empty."""

from __future__ import annotations

import bz2
import gzip
import itertools
import json
import lzma
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from paperwire.models import Item, Paper, Problem
from paperwire.sources import FORMATS, detect_format, read_path
from paperwire.sources.detect import HEAD_SIZE

ItemsOf = Callable[..., list[Item]]
SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"
DAYS = "hf-daily/sample_days"

DETECTED = {
    "arxiv-api/recorded_2026/q_testing_s0_m10_bc5a6c384fe9.json": "arxiv-atom",
    "arxiv-api/recorded_2026/id_abc_s0_m100_b79c8dcf6bc3.json": "arxiv-atom",
    "arxiv-api/recorded_2026_body_xml/id_abc_s0_m100_b79c8dcf6bc3.http400.xml": "arxiv-atom",
    "arxiv-api/recorded_2026_body_xml/id_0000.0000_s0_m100_8b51d9633a68.http200.xml": "arxiv-atom",
    "arxiv-api/xml_2016/search_au_del_maestro.xml": "arxiv-atom",
    "arxiv-oai/mikesaelim_arXivOAIHarvester/ListRecordsResponse.xml": "oai-pmh",
    "arxiv-oai/mikesaelim_arXivOAIHarvester/ErrorResponseBadVerb.xml": "oai-pmh",  # no <?xml
    "arxiv-oai/inspirehep_hepcrawl/unit/sample_arxiv_record.xml": "oai-pmh",
    SNAPSHOT: "arxiv-snapshot",
    f"{DAYS}/2024-05-29.json": "hf-daily",
    f"{DAYS}/2024-12-11.json": "hf-daily",
    f"{DAYS}/2025-01-10.json": "hf-daily",
    f"{DAYS}/2026-08-21.json": "hf-daily",
    "seed/hf-papers-page.txt": "hf-page",
    # Not ours: BEIR documents {"_id", "title", "text"}.
    "scifact/corpus.jsonl": None,
}


@pytest.mark.parametrize("rel", sorted(DETECTED))
def test_detect_real_files(shared_data: Path, rel: str) -> None:
    with (shared_data / rel).open("rb") as file:
        head = file.read(HEAD_SIZE)
    assert detect_format(head, Path(rel).name) == DETECTED[rel]


def test_detect_corpus_after_decompression(shared_data: Path) -> None:
    with gzip.open(shared_data / "corpus/papers-200k.jsonl.gz", "rb") as file:
        head = file.read(HEAD_SIZE)
    assert detect_format(head, "papers-200k.jsonl.gz") == "corpus"
    # Cut before its distinctive keys, a line says nothing; hence read_path's 64 KB head (the
    # corpus has 164 lines over 4 KB, up to 56 KB, their keys after long author lists).
    assert detect_format(head[:400], "papers-200k.jsonl.gz") is None


def test_long_first_line(shared_data: Path, tmp_path: Path) -> None:
    with gzip.open(shared_data / "corpus/papers-200k.jsonl.gz", "rb") as file:
        first = json.loads(file.readline())
    first["authors"] = [f"Author Number{i}" for i in range(3_000)]  # a 50 KB line
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(first) + "\n", encoding="utf-8")
    [(_, paper)] = list(read_path(path))
    assert isinstance(paper, Paper) and len(paper.authors) == 3_000


def test_detect_edge_cases(shared_data: Path) -> None:
    snapshot_line = (shared_data / SNAPSHOT).read_bytes()[:300]  # cut inside the abstract
    assert detect_format(snapshot_line, "x.jsonl") is None  # no versions key seen yet
    assert detect_format((shared_data / SNAPSHOT).read_bytes()[:1700], "x") == "arxiv-snapshot"
    assert detect_format(b"", "x.json") is None
    assert detect_format(b"  \n", "x.json") is None
    assert detect_format(b"[]", "2026-01-01.json") == "hf-daily"
    assert detect_format(b'\xef\xbb\xbf[\n  {"paper": {}}]', "d.json") == "hf-daily"
    assert detect_format(b"<html><body>hi</body></html>", "x.xml") is None
    assert detect_format(b'{"a": 1}\n', "x.jsonl") is None
    assert detect_format(bytes(range(256)), "x.bin") is None
    assert detect_format(b"A Title\n\nAn abstract.\n", "page.txt") == "hf-page"
    assert detect_format(b"A Title\n\nAn abstract.\n", "page") == "hf-page"
    assert detect_format(b"# Notes\n\nSome text.\n", "README.md") is None


def test_folder_walk(shared_data: Path, items_of: ItemsOf) -> None:
    names = [name for name, _ in read_path(shared_data / "arxiv-oai")]
    # Sorted, recursive, relative display names; arXivRaw.xsd is not a data file.
    assert names[0] == "inspirehep_hepcrawl/functional/arxiv-physics-hep-ex.xml"
    assert names[-1] == "mikesaelim_arXivOAIHarvester/ListRecordsResponse.xml"
    assert names == sorted(names, key=lambda n: n.split("/"))
    assert not any(n.endswith(".xsd") for n in names)
    day_names = {name for name, _ in read_path(shared_data / DAYS)}
    assert day_names == {p.name for p in (shared_data / DAYS).glob("*.json")}


def test_folder_skips_hidden_and_non_data(shared_data: Path, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "day.json").write_bytes(
        (shared_data / DAYS / "2024-05-29.json").read_bytes()
    )
    (tmp_path / ".hidden.json").write_bytes(b"[]")
    (tmp_path / "notes.md").write_text("# hi\n")
    (tmp_path / "MANIFEST.tsv").write_text("a\tb\n")
    (tmp_path / "loop").symlink_to(tmp_path)
    names = [name for name, _ in read_path(tmp_path)]
    assert names == ["sub/day.json"] * 8


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    assert list(read_path(missing)) == [
        (str(missing), Problem(str(missing), "no such file or directory"))
    ]


@pytest.mark.parametrize("content", [b"", b"\n  \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    assert list(read_path(path)) == [("empty.jsonl", Problem("empty.jsonl", "empty file"))]
    packed = tmp_path / "empty.jsonl.gz"
    packed.write_bytes(gzip.compress(content))
    assert list(read_path(packed)) == [("empty.jsonl.gz", Problem("empty.jsonl.gz", "empty file"))]


def test_unrecognised_and_forced_format(shared_data: Path, tmp_path: Path) -> None:
    scifact = shared_data / "scifact/corpus.jsonl"
    assert list(read_path(scifact)) == [
        ("corpus.jsonl", Problem("corpus.jsonl", "unrecognised format; pass --format"))
    ]
    page = tmp_path / "page.md"  # the name says "not a page", the format says it is
    page.write_bytes((shared_data / "seed/hf-papers-page.txt").read_bytes())
    assert [i for _, i in read_path(page)] == [
        Problem("page.md", "unrecognised format; pass --format")
    ]
    forced = [i for _, i in read_path(page, "hf-page")]
    assert len(forced) == 95 and all(isinstance(i, Paper) for i in forced)
    [(_, problem)] = read_path(page, "bibtex")
    assert isinstance(problem, Problem) and problem.reason.startswith("unknown format 'bibtex'")


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".xz": lzma.compress,
    ".bz2": bz2.compress,
}


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_compressed_files(
    shared_data: Path, tmp_path: Path, items_of: ItemsOf, suffix: str
) -> None:
    plain = shared_data / SNAPSHOT
    packed = tmp_path / f"snap.jsonl{suffix}"
    packed.write_bytes(COMPRESSORS[suffix](plain.read_bytes()))
    assert items_of(packed) == items_of(plain)
    assert {name for name, _ in read_path(packed)} == {packed.name}
    # Detection is by content: the same bytes under a misleading name read the same.
    misnamed = tmp_path / "snap.data"
    misnamed.write_bytes(packed.read_bytes())
    assert items_of(misnamed) == items_of(plain)


def test_corrupt_compressed_files(shared_data: Path, tmp_path: Path) -> None:
    data = gzip.compress((shared_data / SNAPSHOT).read_bytes())
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(data[: len(data) // 2])
    items = [i for _, i in read_path(truncated)]
    assert 50 < len(items) < 200
    assert all(isinstance(i, Paper) for i in items[:-1])
    last = items[-1]
    assert isinstance(last, Problem) and last.where == "cut.jsonl.gz"
    assert last.reason.startswith("corrupt or truncated gzip stream:")

    garbled = tmp_path / "garbled.jsonl.gz"
    garbled.write_bytes(data[:20] + bytes(200) + data[220:])
    [(_, problem)] = list(read_path(garbled))
    assert isinstance(problem, Problem)
    assert problem.reason.startswith("corrupt or truncated gzip stream:")

    not_gzip = tmp_path / "plain.jsonl.gz"
    not_gzip.write_bytes((shared_data / SNAPSHOT).read_bytes())
    assert [i for _, i in read_path(not_gzip)] == [
        Problem("plain.jsonl.gz", "not a valid gzip file")
    ]

    xz = lzma.compress((shared_data / SNAPSHOT).read_bytes())
    cut_xz = tmp_path / "cut.jsonl.xz"
    cut_xz.write_bytes(xz[: len(xz) // 3])
    last = [i for _, i in read_path(cut_xz)][-1]
    assert isinstance(last, Problem) and "xz stream" in last.reason


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz", "w:bz2"])
def test_tar_archives(shared_data: Path, tmp_path: Path, mode: str) -> None:
    suffix = {"w": ".tar", "w:gz": ".tar.gz", "w:xz": ".tar.xz", "w:bz2": ".tar.bz2"}[mode]
    archive = tmp_path / f"days{suffix}"
    snapshot = gzip.compress((shared_data / SNAPSHOT).read_bytes())
    (tmp_path / "snap.jsonl.gz").write_bytes(snapshot)
    (tmp_path / "notes.md").write_text("# not data\n")
    with tarfile.open(archive, mode) as tar:  # type: ignore[call-overload]
        tar.add(shared_data / DAYS, arcname="days")
        tar.add(tmp_path / "snap.jsonl.gz", arcname="nested/snap.jsonl.gz")
        tar.add(tmp_path / "notes.md", arcname="nested/notes.md")
        tar.add(tmp_path / "notes.md", arcname="nested/.hidden.json")
    read = list(read_path(archive))
    assert not [i for _, i in read if not isinstance(i, Paper)]
    counts = {name: n for name, n in _count(read).items()}
    assert counts[f"{archive.name}:days/2024-05-29.json"] == 8
    assert counts[f"{archive.name}:nested/snap.jsonl.gz"] == 200
    assert sum(counts.values()) == 133 + 200
    assert len(counts) == 8


def _count(read: list[tuple[str, Item]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name, _ in read:
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_truncated_archive(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "hf-daily/hf_daily_papers_2024-05-27_to_2026-08-21.tar.xz"
    cut = tmp_path / "cut.tar.xz"
    with source.open("rb") as file:
        cut.write_bytes(file.read(300_000))
    read = list(read_path(cut))
    papers = [i for _, i in read if isinstance(i, Paper)]
    problems = [i for _, i in read if isinstance(i, Problem)]
    assert len(papers) > 100
    assert problems and all("xz stream" in p.reason for p in problems)
    # Only whole days before the cut are read in full: the first days match the real archive.
    real = [i for _, i in itertools.islice(read_path(source), len(papers) - 20)]
    assert papers[: len(real)] == real


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.jsonl"
    path.write_text("{}\n")
    path.chmod(0)
    [(_, problem)] = list(read_path(path))
    assert isinstance(problem, Problem) and problem.reason.startswith("cannot read file")


def test_every_format_is_registered() -> None:
    assert sorted(FORMATS) == sorted(
        ["hf-page", "arxiv-atom", "oai-pmh", "arxiv-snapshot", "hf-daily", "corpus", "paperwire"]
    )
