"""paperwire's own export: Paper.to_dict() as JSON lines reads back to equal Papers."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from paperwire.models import Item, Paper, Problem
from paperwire.sources import detect_format
from paperwire.sources.export import parse_export

ItemsOf = Callable[..., list[Item]]
PapersOf = Callable[..., list[Paper]]


def export_lines(papers: list[Paper]) -> bytes:
    return b"".join(json.dumps(p.to_dict()).encode() + b"\n" for p in papers)


def real_papers(shared_data: Path, papers_of: PapersOf) -> list[Paper]:
    """Papers from every source, so every field (versions, community fields, raw text,
    derived ids, old-style ids) is exercised."""
    return [
        *papers_of(shared_data / "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"),
        *papers_of(shared_data / "hf-daily/sample_days"),
        *papers_of(shared_data / "seed/hf-papers-page.txt"),
        *papers_of(shared_data / "arxiv-oai/mikesaelim_arXivOAIHarvester/ListRecordsResponse.xml"),
        *papers_of(shared_data / "arxiv-api/xml_2016"),
    ]


def test_round_trip(shared_data: Path, papers_of: PapersOf, tmp_path: Path) -> None:
    papers = real_papers(shared_data, papers_of)
    assert len(papers) == 200 + 133 + 95 + 6 + 24
    path = tmp_path / "export.jsonl"
    path.write_bytes(export_lines(papers))
    assert detect_format(path.read_bytes()[:4096], path.name) == "paperwire"
    assert papers_of(path) == papers


def test_merged_paper_keeps_its_sources() -> None:
    paper = Paper(
        id="2405.14906",
        title="AutoCoder",
        sources=["corpus", "hf-daily"],
        upvotes=7,
        published=datetime(2024, 5, 23, tzinfo=UTC),
    )
    [back] = parse_export(io.BytesIO(export_lines([paper])), "export.jsonl")
    assert back == paper


def test_lenient_and_strict_parts() -> None:
    good = Paper(id="2405.14906", title="AutoCoder").to_dict()
    naive = {**good, "published": "2024-05-23T10:00:00", "sources": []}
    old_spelling = {**good, "id": "arXiv:2405.14906v2"}
    unknown = {**good, "colour": "blue"}
    bad_id = {**good, "id": "not-an-id"}
    bad_versions = {**good, "versions": [{"version": "v1", "created": None}]}
    data = export_lines([]) + b"".join(
        json.dumps(d).encode() + b"\n" for d in (naive, old_spelling, unknown, bad_id, bad_versions)
    )
    items = list(parse_export(io.BytesIO(data), "e.jsonl"))
    first, second = items[0], items[1]
    assert isinstance(first, Paper) and isinstance(second, Paper)
    assert first.published == datetime(2024, 5, 23, 10, tzinfo=UTC)  # naive is read as UTC
    assert first.sources == ["paperwire"]
    assert second.id == "2405.14906"
    assert items[2] == Problem("e.jsonl:3", "unknown field(s): colour")
    assert items[3] == Problem("e.jsonl:4", "not an arXiv id: 'not-an-id'", "id")
    assert items[4] == Problem(
        "e.jsonl:5", 'versions is not a list of {"version": int, ...}', "versions"
    )
