"""Fixtures for the in-process page tests: the real app (``create_app``) over a store on SQLite
or PostgreSQL holding two real Hugging Face daily listings, twenty real arXiv snapshot papers
and a paper whose fields carry HTML and script payloads.

The app builds its own service in its lifespan, exactly as ``paperwire serve`` does; the
``service`` fixture (another service on the same database) seeds data and makes users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pages_helpers import NEWEST_DAY, SNAPSHOT_DAY, SNAPSHOT_LINES, Site, hostile_papers

from paperwire.ingest import import_items
from paperwire.service import Service
from paperwire.settings import Settings
from paperwire.web.app import create_app


@pytest.fixture
def seeded(service: Service, shared_data: Path, tmp_path: Path) -> Service:
    hf = shared_data / "hf-daily" / "sample_days"
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    lines = snapshot.read_text(encoding="utf-8").splitlines(keepends=True)[:SNAPSHOT_LINES]
    head = tmp_path / "snapshot-head.jsonl"
    head.write_text("".join(lines), encoding="utf-8")
    assert (
        service.papers.import_files([hf / "2025-06-16.json", hf / "2026-03-02.json"]).new == 9 + 14
    )
    # The snapshot carries no listing date: the import stamps "first seen" with its day.
    assert service.papers.import_files([head], today=SNAPSHOT_DAY).new == SNAPSHOT_LINES
    import_items(service.store, [("test", p) for p in hostile_papers()], today=NEWEST_DAY)
    return service


@pytest.fixture
def app(settings: Settings, seeded: Service) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def site(app: FastAPI, seeded: Service) -> Iterator[Site]:
    with TestClient(app, follow_redirects=False) as client:
        app.state.limiter.reset()
        yield Site(app, seeded, client)
