"""Values longer than a bounded column (issue 11, finding 6): papers.id is String(64) and
papers.primary_category String(40). The parser reports such a record as a Problem, and the rest
of the file is imported, on SQLite and PostgreSQL alike (PostgreSQL used to abort the batch,
losing its good records, while SQLite stored the long value)."""

from __future__ import annotations

import json
from pathlib import Path

from paperwire.ids import MAX_ID
from paperwire.service import Service
from paperwire.sources.common import MAX_CATEGORY
from paperwire.store.schema import papers

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"
LONG_ID = "a" * 70 + "/0704001"  # an old-style id: archive names have no fixed length
LONG_CATEGORY = "c" * (MAX_CATEGORY + 1)


def test_limits_are_the_columns_lengths() -> None:
    assert papers.c.id.type.length == MAX_ID
    assert papers.c.primary_category.type.length == MAX_CATEGORY


def damaged_snapshot(shared_data: Path, tmp_path: Path) -> Path:
    """The first 10 real snapshot records; line 3 gets a long id, line 6 a long category."""
    records = [
        json.loads(line)
        for line in (shared_data / SNAPSHOT).read_text(encoding="utf-8").splitlines()[:10]
    ]
    records[2]["id"] = LONG_ID
    records[5]["categories"] = f"{LONG_CATEGORY} hep-ph"
    path = tmp_path / "snapshot.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_too_long_value_is_that_records_problem(
    service: Service, shared_data: Path, tmp_path: Path
) -> None:
    path = damaged_snapshot(shared_data, tmp_path)
    report = service.papers.import_files([path])
    assert report.new == 8
    problems = sorted((p.where, p.field) for _, p in report.problems)
    assert problems == [("snapshot.jsonl:3", "id"), ("snapshot.jsonl:6", "categories")]
    assert len(list(service.papers.iter_papers())) == 8
    # The longest value that fits is kept whole.
    fitting = path.read_text(encoding="utf-8").replace(LONG_CATEGORY, LONG_CATEGORY[1:])
    path.write_text(fitting, encoding="utf-8")
    assert service.papers.import_files([path]).new == 1
    stored = {p.id: p for p in service.papers.iter_papers()}
    assert any(p.categories[0] == LONG_CATEGORY[1:] for p in stored.values())


# A real record of the corpus (papers-200k.jsonl.gz, abstract cut): arXiv put MSC and ACM
# classes among its categories, as in 146 of the 200k.
MSC_RECORD = {
    "id": "2503.20827",
    "title": "Multimodal Image Matching based on Frequency-domain Information of Local Energy "
    "Response",
    "abstract": "Complicated nonlinear intensity differences, nonlinear local geometric "
    "distortions, noises and rotation transformation are main challenges.",
    "authors": ["Meng Yang", "Jun Chen", "Wenping Gong", "Longsheng Wei", "Xin Tian"],
    "categories": ["cs.CV", "68U10 (Primary), 68T45, 68Wxx (Secondary)", "I.4.7; I.5.1"],
    "first_seen": "2025-03-28",
}


def test_long_secondary_categories_are_kept(service: Service, tmp_path: Path) -> None:
    """Only the primary category has a bounded column: a paper whose later categories are
    long (MSC/ACM classes) is imported whole; a long primary one is still that record's
    Problem."""
    long_primary = {**MSC_RECORD, "id": "2503.20828", "categories": [LONG_CATEGORY, "cs.CV"]}
    path = tmp_path / "papers.jsonl"
    path.write_text(f"{json.dumps(MSC_RECORD)}\n{json.dumps(long_primary)}\n", encoding="utf-8")
    report = service.papers.import_files([path])
    assert report.new == 1
    assert [(p.where, p.field) for _, p in report.problems] == [("papers.jsonl:2", "categories")]
    assert "primary category" in report.problems[0][1].reason
    (stored,) = service.papers.iter_papers()
    assert stored.categories == MSC_RECORD["categories"]
