"""The job runner (locks, budgets, exit codes), the timetable and the bulk-start date."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from sync_replay import MakeConfig, ReplayServer

from paperwire.errors import ConfigError
from paperwire.store import Store
from paperwire.sync import EXIT_CHANGED, EXIT_ERRORS, EXIT_UNCHANGED, run_sync
from paperwire.sync.bulk import newest_update_date

TODAY = date(2026, 3, 2)


def test_all_runs_both_jobs_and_reports_progress(
    store: Store, replay: ReplayServer, make_config: MakeConfig, shared_data: Path
) -> None:
    replay.hf_days["2026-03-02"] = (
        shared_data / "hf-daily/sample_days/2026-03-02.json"
    ).read_bytes()
    lines: list[str] = []
    report = run_sync(store, make_config(), "all", progress=lines.append, today=TODAY)
    assert [job.job for job in report.jobs] == ["arxiv", "hf"]
    assert [job.new for job in report.jobs] == [12, 14]
    assert report.exit_code == EXIT_CHANGED
    assert any(line.startswith("arxiv all: page 3") for line in lines)
    assert lines[-1] == "hf 2026-03-02: 14 papers"
    summary = report.jobs[1].summary()
    assert summary.startswith("hf: 3 pages, 14 records; new 14, updated 0, deleted 0, errors 0")
    assert report.to_dict()["jobs"][0]["pages"] == 3


def test_a_job_running_elsewhere_is_skipped(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    assert store.jobs.acquire_lock("sync:arxiv", "otherhost:123:abcd", ttl_ms=60_000)
    report = run_sync(store, make_config(), "arxiv", today=TODAY)
    assert "held by otherhost:123:abcd" in (report.jobs[0].skipped or "")
    assert report.exit_code == EXIT_UNCHANGED
    assert replay.hits == []


def test_a_source_that_stays_down_leaves_the_store_as_it_was(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    run_sync(store, make_config(), "arxiv", today=TODAY)
    before = ([p.to_dict() for p in store.papers.iter_papers()], store.jobs.list_states())
    replay.fault("status", path="/oai", status=503, times=None)
    started = time.monotonic()
    report = run_sync(store, make_config(budget_seconds=1.0, max_retries=100), "arxiv")
    assert time.monotonic() - started < 2
    assert report.exit_code == EXIT_ERRORS
    failed = report.jobs[0].failed or ""
    assert failed.startswith(replay.oai_url + "?verb=ListRecords") and "HTTP 503" in failed
    assert "time budget (1 s)" in failed
    assert ([p.to_dict() for p in store.papers.iter_papers()], store.jobs.list_states()) == before


def test_unknown_job_is_a_usage_error(store: Store, make_config: MakeConfig) -> None:
    with pytest.raises(ConfigError, match="unknown sync job 'rss'"):
        run_sync(store, make_config(), "rss")


def test_bulk_start_date_is_the_snapshots_newest_update(shared_data: Path) -> None:
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    assert newest_update_date(snapshot) == date(2022, 3, 31)
