"""The OAI-PMH harvest against the replay server, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sync_replay import (
    IDS_A,
    IDS_B,
    IDS_C,
    TOKEN_A,
    TOKEN_B,
    MakeConfig,
    ReplayServer,
    delete_first_record,
)

from paperwire.store import Store
from paperwire.sync import EXIT_CHANGED, EXIT_ERRORS, EXIT_UNCHANGED, run_sync
from paperwire.sync.oai import state_name

TODAY = date(2026, 11, 27)
ALL_IDS = sorted(IDS_A + IDS_B + IDS_C)


def stored_ids(store: Store) -> list[str]:
    return sorted(p.id for p in store.papers.iter_papers() if not p.deleted)


def oai_requests(replay: ReplayServer) -> list[dict[str, str]]:
    return [h.params for h in replay.hits_on("/oai")]


def test_harvest_follows_tokens_then_goes_on_incrementally(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    config = make_config(sets=("physics:hep-th",))
    report = run_sync(store, config, "arxiv", today=TODAY)
    job = report.jobs[0]
    assert (job.pages, job.records, job.new, job.error_count) == (3, 12, 12, 0)
    assert report.exit_code == EXIT_CHANGED
    assert stored_ids(store) == ALL_IDS
    first, second, third = oai_requests(replay)
    assert first == {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "set": "physics:hep-th",
        "from": "2026-11-24",  # no checkpoint yet: arxiv_first_days back
    }
    assert second == {"verb": "ListRecords", "resumptionToken": TOKEN_A}
    assert third == {"verb": "ListRecords", "resumptionToken": TOKEN_B}
    # The next window starts at the first page's responseDate (2015-01-06T20:49:59Z).
    checkpoint = store.jobs.get_state(state_name("physics:hep-th"))
    assert checkpoint is not None
    assert checkpoint["next_from"] == "2015-01-06" and not checkpoint["in_progress"]

    replay.oai_first = lambda params: replay.no_records_doc
    again = run_sync(store, config, "arxiv", today=TODAY)
    assert oai_requests(replay)[-1]["from"] == "2015-01-06"
    assert again.exit_code == EXIT_UNCHANGED
    assert len(replay.hits_on("/oai")) == 4  # a completed window is never fetched again


def test_a_checkpoint_in_progress_resumes_at_its_page(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    store.jobs.put_state(
        state_name(None),
        {"in_progress": True, "window_from": "2015-01-01", "token": TOKEN_B, "pages": 2},
    )
    report = run_sync(store, make_config(), "arxiv", today=TODAY)
    assert oai_requests(replay) == [{"verb": "ListRecords", "resumptionToken": TOKEN_B}]
    assert stored_ids(store) == sorted(IDS_C)
    assert report.jobs[0].pages == 1


def test_expired_resumption_token_restarts_the_window(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    replay.fault(
        "body", path="/oai", body=replay.bad_token_doc, when=lambda p: p.get("resumptionToken")
    )
    report = run_sync(store, make_config(), "arxiv", today=TODAY)
    tokens = [p.get("resumptionToken") for p in oai_requests(replay)]
    assert tokens == [None, TOKEN_A, None, TOKEN_A, TOKEN_B]
    assert report.exit_code == EXIT_CHANGED and report.jobs[0].new == 12
    assert stored_ids(store) == ALL_IDS


def test_truncated_page_is_fetched_again(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    replay.fault("truncate", path="/oai", when=lambda p: p.get("resumptionToken") == TOKEN_A)
    report = run_sync(store, make_config(), "arxiv", today=TODAY)
    assert report.ok and stored_ids(store) == ALL_IDS
    assert len(replay.hits_on("/oai")) == 4


def test_a_page_that_stays_damaged_stops_the_job_at_its_checkpoint(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    replay.fault(
        "truncate", path="/oai", when=lambda p: p.get("resumptionToken") == TOKEN_A, times=None
    )
    report = run_sync(store, make_config(), "arxiv", today=TODAY)
    job = report.jobs[0]
    assert report.exit_code == EXIT_ERRORS
    assert job.failed is not None
    assert f"resumptionToken={TOKEN_A.replace('|', '%7C')}" in job.failed
    assert "malformed XML" in job.failed and "same after 3 tries" in job.failed
    assert stored_ids(store) == sorted(IDS_A)  # nothing of the damaged page
    checkpoint = store.jobs.get_state(state_name(None))
    assert checkpoint is not None and checkpoint["token"] == TOKEN_A

    replay.clear_faults()
    resumed = run_sync(store, make_config(), "arxiv", today=TODAY)
    assert resumed.ok and resumed.jobs[0].pages == 2
    assert stored_ids(store) == ALL_IDS


def test_html_error_page_is_not_taken_for_an_empty_harvest(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    replay.fault("html", path="/oai", times=None)
    report = run_sync(store, make_config(), "arxiv", today=TODAY)
    assert report.exit_code == EXIT_ERRORS
    assert "not an OAI-PMH response (Content-Type text/html)" in (report.jobs[0].failed or "")
    assert stored_ids(store) == [] and store.jobs.get_state(state_name(None)) is None


def test_oai_error_is_reported_with_its_code(
    store: Store, replay: ReplayServer, make_config: MakeConfig, shared_data: Path
) -> None:
    bad = shared_data / "arxiv-oai/mikesaelim_arXivOAIHarvester/ErrorResponseBadArgument.xml"
    replay.oai_first = lambda params: bad.read_bytes()
    report = run_sync(store, make_config(sets=("cs", "math")), "arxiv", today=TODAY)
    job = report.jobs[0]
    assert job.error_count == 2  # each set tried, each failure reported
    assert "set math:" in (job.failed or "") and "OAI-PMH error badArgument" in (job.failed or "")


def test_deleted_records_become_tombstones(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    config = make_config()
    run_sync(store, config, "arxiv", today=TODAY)
    replay.oai_first = lambda params: delete_first_record(replay.oai_pages[TOKEN_B])
    report = run_sync(store, config, "arxiv", today=TODAY)
    assert report.jobs[0].deleted == 1 and report.exit_code == EXIT_CHANGED
    gone = store.papers.get_paper(IDS_C[0])
    assert gone is not None and gone.deleted
    assert stored_ids(store) == sorted(set(ALL_IDS) - {IDS_C[0]})


def test_dry_run_counts_without_writing(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    report = run_sync(store, make_config(), "arxiv", dry_run=True, today=TODAY)
    job = report.jobs[0]
    assert (job.pages, job.new, job.dry_run) == (3, 12, True)
    assert report.exit_code == EXIT_CHANGED  # something would change
    assert stored_ids(store) == [] and store.jobs.get_state(state_name(None)) is None
    assert "would be new 12" in job.summary()


def test_since_starts_a_new_window(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    store.jobs.put_state(state_name(None), {"next_from": "2026-11-20"})
    run_sync(store, make_config(), "arxiv", since=date(2024, 3, 1), today=TODAY)
    assert oai_requests(replay)[0]["from"] == "2024-03-01"


def test_a_harvest_keeps_the_politeness_delay_between_pages(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    run_sync(store, make_config(arxiv_delay=0.25), "arxiv", today=TODAY)
    gaps = replay.gaps("/oai")
    assert len(gaps) == 2 and min(gaps) >= 0.25 - 0.02, gaps  # server-side arrival times
    assert len({h.port for h in replay.hits_on("/oai")}) == 1  # over one connection
