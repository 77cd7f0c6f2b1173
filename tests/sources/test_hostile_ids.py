"""Ids that would rewrite URLs or bloat the store (issue 11, finding 2): a derived id has a
strict shape (``x-`` + lowercase letters, digits and hyphens, at most 64 characters) in every
format, and a record with any other id is a Problem naming its line and field while the rest
of the file is imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperwire.errors import InvalidIdError
from paperwire.ids import MAX_ID, check_derived, derived_id, paper_key
from paperwire.models import Paper, Problem
from paperwire.service import Service
from paperwire.sources import read_path

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"

HOSTILE_IDS = [
    "x-/../../comments/2/hide?",
    "x-/../../logout?",
    "x-" + "a" * (MAX_ID - 1),  # one past the column
    "x-abc\x00def",
    "x-abc\u202edef",  # RTL override
    "x-ABC",
    "x-a b",
    "x-",
    "x-abc-",
]


@pytest.mark.parametrize("raw", HOSTILE_IDS)
def test_hostile_derived_ids_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIdError):
        check_derived(raw)
    with pytest.raises(InvalidIdError):
        paper_key(raw)


def test_good_derived_ids_pass() -> None:
    ours = derived_id("Some Title")
    assert check_derived(ours) == ours == paper_key(f" {ours} ")
    longest = "x-" + "a" * (MAX_ID - 2)
    assert check_derived(longest) == longest
    assert check_derived("x-my-slug-2") == "x-my-slug-2"


def export_with_hostile_ids(shared_data: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """A real export (snapshot papers), one hostile id after every second good paper."""
    good = [i for _, i in read_path(shared_data / SNAPSHOT) if isinstance(i, Paper)][:10]
    lines, good_ids = [], []
    for n, paper in enumerate(good):
        lines.append(json.dumps(paper.to_dict()))
        good_ids.append(paper.id)
        if n < len(HOSTILE_IDS):
            lines.append(json.dumps({**paper.to_dict(), "id": HOSTILE_IDS[n]}))
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, good_ids


def test_export_import_reports_each_hostile_id(shared_data: Path, tmp_path: Path) -> None:
    path, good_ids = export_with_hostile_ids(shared_data, tmp_path)
    items = [i for _, i in read_path(path)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert [p.id for p in items if isinstance(p, Paper)] == good_ids
    assert len(problems) == len(HOSTILE_IDS)
    for n, problem in enumerate(problems):
        assert problem.where == f"export.jsonl:{2 * n + 2}"
        assert problem.field == "id"


@pytest.mark.parametrize("raw", HOSTILE_IDS[:3])
def test_other_formats_refuse_derived_looking_ids(
    raw: str, shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / SNAPSHOT).read_text(encoding="utf-8").splitlines()[:3]
    record = json.loads(lines[1])
    lines[1] = json.dumps({**record, "id": raw})
    path = tmp_path / "snapshot.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = [i for _, i in read_path(path)]
    assert [type(i).__name__ for i in items] == ["Paper", "Problem", "Paper"]
    assert isinstance(items[1], Problem) and items[1].field == "id"
    assert items[1].where == "snapshot.jsonl:2"


def test_import_keeps_the_good_papers(service: Service, shared_data: Path, tmp_path: Path) -> None:
    path, good_ids = export_with_hostile_ids(shared_data, tmp_path)
    report = service.papers.import_files([path])
    assert report.new == len(good_ids)
    assert len(report.problems) == len(HOSTILE_IDS)
    stored = {p.id for p in service.papers.iter_papers()}
    assert stored == set(good_ids)
