"""Hugging Face daily papers against recorded day files, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sync_replay import MakeConfig, ReplayServer

from paperwire.ingest import import_items
from paperwire.models import Paper, Version
from paperwire.store import Store
from paperwire.sync import EXIT_CHANGED, EXIT_ERRORS, EXIT_UNCHANGED, run_sync
from paperwire.sync.hf import STATE, days_to_fetch

DAY = date(2026, 3, 2)  # sample_days/2026-03-02.json: 14 papers


@pytest.fixture
def day_file(shared_data: Path) -> bytes:
    return (shared_data / "hf-daily" / "sample_days" / "2026-03-02.json").read_bytes()


def hf_dates(replay: ReplayServer) -> list[str]:
    return [h.params["date"] for h in replay.hits_on("/hf/api/daily_papers")]


def test_days_to_fetch() -> None:
    assert days_to_fetch(DAY, None, 3) == [date(2026, 2, 28), date(2026, 3, 1), DAY]
    # Days missed since the last run, and the refresh window, whichever starts earlier.
    assert days_to_fetch(DAY, date(2026, 2, 25), 2)[0] == date(2026, 2, 26)
    assert days_to_fetch(DAY, DAY, 2) == [date(2026, 3, 1), DAY]
    assert days_to_fetch(DAY, DAY, 2, since=date(2026, 2, 1))[0] == date(2026, 2, 1)


def test_daily_papers_merge_onto_arxiv_papers_and_refresh_cheaply(
    store: Store, replay: ReplayServer, make_config: MakeConfig, day_file: bytes
) -> None:
    first_item = json.loads(day_file)[0]["paper"]
    arxiv = Paper(
        id=first_item["id"],
        title="The title as arXiv spells it",
        abstract="The abstract from arXiv.",
        categories=["cs.CL"],
        versions=[Version(1, datetime(2026, 2, 26, tzinfo=UTC))],
        sources=["oai-pmh"],
    )
    import_items(store, [("arxiv", arxiv)], today=DAY)
    replay.hf_days[DAY.isoformat()] = day_file
    config = make_config(hf_refresh_days=3)

    report = run_sync(store, config, "hf", today=DAY)
    job = report.jobs[0]
    assert hf_dates(replay) == ["2026-02-28", "2026-03-01", "2026-03-02"]
    assert (job.pages, job.records, job.new, job.updated, job.error_count) == (3, 14, 13, 1, 0)
    assert report.exit_code == EXIT_CHANGED
    merged = store.papers.get_paper(arxiv.id)
    assert merged is not None
    assert merged.title == arxiv.title and merged.categories == ["cs.CL"]  # arXiv's metadata
    assert merged.upvotes == first_item["upvotes"]  # HF's community fields
    assert merged.sources == ["oai-pmh", "hf-daily"]
    assert store.jobs.get_state(STATE)["last_day"] == "2026-03-02"  # type: ignore[index]

    # Same day, nothing new: the refresh is three 304s.
    again = run_sync(store, config, "hf", today=DAY)
    assert again.exit_code == EXIT_UNCHANGED
    assert all(h.headers.get("if-none-match") for h in replay.hits_on("/hf/api/daily_papers")[3:])

    # Upvotes grew: the day is fetched again and the paper updated.
    items = json.loads(day_file)
    items[0]["paper"]["upvotes"] += 5
    replay.hf_days[DAY.isoformat()] = json.dumps(items).encode()
    grown = run_sync(store, config, "hf", today=DAY)
    assert (grown.jobs[0].updated, grown.exit_code) == (1, EXIT_CHANGED)
    assert store.papers.get_paper(arxiv.id).upvotes == first_item["upvotes"] + 5  # type: ignore[union-attr]


def test_a_damaged_day_is_reported_and_fetched_again_next_time(
    store: Store, replay: ReplayServer, make_config: MakeConfig, day_file: bytes
) -> None:
    replay.hf_days["2026-03-01"] = b'{"oops'
    replay.hf_days[DAY.isoformat()] = day_file
    config = make_config(hf_refresh_days=1)
    report = run_sync(store, config, "hf", since=date(2026, 2, 28), today=DAY)
    job = report.jobs[0]
    assert report.exit_code == EXIT_ERRORS
    assert job.new == 14  # the days around it went on
    assert any("date=2026-03-01" in e and "invalid JSON" in e for e in job.errors), job.errors
    assert store.jobs.get_state(STATE)["last_day"] == "2026-02-28"  # type: ignore[index]

    replay.hf_days["2026-03-01"] = b"[]"
    fixed = run_sync(store, config, "hf", today=DAY)
    assert fixed.ok and hf_dates(replay)[3:] == ["2026-03-01", "2026-03-02"]


def test_a_truncated_day_keeps_its_good_items(
    store: Store, replay: ReplayServer, make_config: MakeConfig, day_file: bytes
) -> None:
    replay.hf_days[DAY.isoformat()] = day_file
    replay.fault("truncate", path="/hf")
    report = run_sync(store, make_config(hf_refresh_days=1), "hf", today=DAY)
    job = report.jobs[0]
    assert not report.ok and 0 < job.new < 14
    assert "invalid JSON" in job.errors[0]


def test_quirky_archive_days_sync_too(
    store: Store, replay: ReplayServer, make_config: MakeConfig, shared_data: Path
) -> None:
    """2024-12-11 stores items as Python reprs, 2025-01-10 wraps the list in an object."""
    days = shared_data / "hf-daily" / "sample_days"
    for name in ("2024-12-11", "2025-01-10"):
        replay.hf_days[name] = (days / f"{name}.json").read_bytes()
    report = run_sync(
        store, make_config(), "hf", since=date(2024, 12, 11), today=date(2024, 12, 11)
    )
    assert report.ok and report.jobs[0].new == 26
    report = run_sync(store, make_config(), "hf", since=date(2025, 1, 10), today=date(2025, 1, 10))
    assert report.ok and report.jobs[0].new == 9
