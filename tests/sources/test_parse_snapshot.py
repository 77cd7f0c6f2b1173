"""arXiv bulk metadata snapshot (JSON lines): the first 200 lines of the real file."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperwire.models import Paper, Version
from paperwire.sources.names import split_authors

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"
PapersOf = Callable[..., list[Paper]]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def snapshot(shared_data: Path, papers_of: PapersOf) -> list[Paper]:
    return papers_of(shared_data / SNAPSHOT)


def test_all_200_lines(snapshot: list[Paper]) -> None:
    assert len(snapshot) == 200
    assert [p.id for p in snapshot] == [f"0704.{n:04d}" for n in range(1, 201)]
    assert all(p.sources == ["arxiv-snapshot"] for p in snapshot)
    assert Counter(len(p.versions) for p in snapshot) == {1: 113, 2: 59, 3: 20, 4: 5, 5: 3}
    assert sum(p.doi is not None for p in snapshot) == 117


def test_first_record(snapshot: list[Paper]) -> None:
    paper = snapshot[0]
    assert paper.id == "0704.0001"
    assert paper.submitter == "Pavel Nadolsky"
    # From authors_parsed: "Bal\\'azs" in the TeX string is "Balázs" there.
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert paper.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper.title_raw == (
        "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies"
    )
    assert paper.comment == "37 pages, 15 figures; published version"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.categories == ["hep-ph"]
    assert paper.license is None
    assert paper.versions == [
        Version(1, utc(2007, 4, 2, 19, 18, 42)),
        Version(2, utc(2007, 7, 24, 20, 10, 27)),
    ]
    assert (paper.published, paper.updated) == (
        utc(2007, 4, 2, 19, 18, 42),
        paper.versions[1].created,
    )
    assert paper.abstract_raw is not None and paper.abstract_raw.startswith("  A fully")


def test_categories_order_and_licence(snapshot: list[Paper]) -> None:
    second = snapshot[1]
    assert second.categories == ["math.CO", "cs.CG"]
    assert second.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert second.journal_ref is None
    hundredth = snapshot[99]
    assert hundredth.id == "0704.0100"
    assert [v.number for v in hundredth.versions] == [1, 2, 3]
    assert hundredth.updated == utc(2007, 10, 31, 15, 14, 41)


def test_author_string_splitter_agrees_with_authors_parsed(shared_data: Path) -> None:
    # The splitter is the fallback when authors_parsed is missing (and it reads arXivRaw); on
    # real lines it must find the same number of names as arXiv's own parse.
    lines = (shared_data / SNAPSHOT).read_text(encoding="utf-8").splitlines()
    for line in lines:
        record = json.loads(line)
        assert len(split_authors(record["authors"])) == len(record["authors_parsed"]), record["id"]


def test_authors_string_used_without_authors_parsed(
    shared_data: Path, tmp_path: Path, papers_of: PapersOf
) -> None:
    record = json.loads((shared_data / SNAPSHOT).read_text(encoding="utf-8").splitlines()[1])
    del record["authors_parsed"]
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    [paper] = papers_of(path)
    assert paper.authors == ["Ileana Streinu", "Louis Theran"]
