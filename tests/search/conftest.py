"""Fixtures for search tests: a service on SQLite or PostgreSQL holding real arXiv papers."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.service import Service


@pytest.fixture
def snapshot_service(service: Service, shared_data: Path) -> Service:
    """The 200 papers of the arXiv snapshot sample, imported and indexed."""
    report = service.papers.import_files(
        [shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"]
    )
    assert report.new == 200
    service.search.index()
    return service
