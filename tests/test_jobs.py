"""The job table and its runner (service/jobs.py): when each job is due (pure), that a failing
job keeps its timetable, that one job never runs twice at once, and the cross-process lease."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

from paperwire.service import Service
from paperwire.service.jobs import DailyAt, Every, Job, JobRunner, next_daily
from paperwire.store import Store


def test_next_daily_run() -> None:
    at = dt_time(1, 30)
    assert next_daily(datetime(2026, 3, 2, 0, 0, tzinfo=UTC), at) == datetime(
        2026, 3, 2, 1, 30, tzinfo=UTC
    )
    assert next_daily(datetime(2026, 3, 2, 1, 30, tzinfo=UTC), at) == datetime(
        2026, 3, 3, 1, 30, tzinfo=UTC
    )


def test_runner_starts_each_job_when_due(store: Store) -> None:
    now = [datetime(2026, 3, 2, 0, 0, tzinfo=UTC)]
    ran: list[str] = []

    def failing() -> None:
        ran.append("hf")
        raise RuntimeError("a failing job does not stop the timetable")

    jobs = [
        Job("hf", Every(timedelta(hours=4)), failing),
        Job("arxiv", DailyAt(dt_time(1, 30)), lambda: ran.append("arxiv") and None),
    ]
    outcomes: list[tuple[str, str]] = []
    runner = JobRunner(store, jobs, lambda: now[0], on_run=lambda *run: outcomes.append(run))
    assert runner.tick() == ["hf"]  # HF at start, arXiv at 01:30
    runner.join()
    now[0] += timedelta(hours=2)
    assert runner.tick() == ["arxiv"]
    runner.join()
    now[0] += timedelta(hours=2)
    assert runner.tick() == ["hf"]
    runner.join()
    assert runner.tick() == []
    assert ran == ["hf", "arxiv", "hf"]
    assert outcomes == [("hf", "failed"), ("arxiv", "ok"), ("hf", "failed")]  # for /metrics


def test_a_running_job_is_not_started_again(store: Store) -> None:
    release = threading.Event()
    runs: list[int] = []

    def slow() -> None:
        runs.append(1)
        release.wait(10)

    now = datetime(2026, 3, 2, tzinfo=UTC)
    runner = JobRunner(store, [Job("slow", Every(timedelta(0)), slow)], lambda: now)
    assert runner.tick() == ["slow"]
    assert runner.tick() == []  # due again, but the first run has not finished
    release.set()
    runner.join()
    assert runner.tick() == ["slow"]
    runner.join()
    assert len(runs) == 2


def test_a_batch_job_with_work_left_runs_again_at_once(store: Store) -> None:
    left = [3]

    def batch() -> bool:
        left[0] -= 1
        return left[0] > 0

    now = datetime(2026, 3, 2, tzinfo=UTC)
    outcomes: list[str] = []
    jobs = [Job("embed", Every(timedelta(hours=1)), batch)]
    runner = JobRunner(store, jobs, lambda: now, on_run=lambda _, outcome: outcomes.append(outcome))
    for _ in range(3):
        assert runner.tick() == ["embed"]
        runner.join()
    assert left == [0]
    assert outcomes == ["more", "more", "ok"]
    assert runner.tick() == []  # nothing left: next run in an hour


def test_a_leased_job_runs_in_one_process_only(store: Store) -> None:
    """Two runners (two processes' worth) share the store's lease: one runs, one skips."""
    inside = threading.Event()
    release = threading.Event()
    runs: list[str] = []

    def job(name: str) -> Job:
        def run() -> None:
            runs.append(name)
            inside.set()
            release.wait(10)

        return Job("sessions", Every(timedelta(hours=1)), run, lease_ttl=30.0)

    now = datetime(2026, 3, 2, tzinfo=UTC)
    skipped: list[str] = []
    first = JobRunner(store, [job("first")], lambda: now)
    second = JobRunner(store, [job("second")], lambda: now, on_run=lambda *run: skipped.extend(run))
    first.tick()
    assert inside.wait(10)
    second.tick()
    second.join(10)
    release.set()
    first.join(10)
    assert runs == ["first"]
    assert skipped == ["sessions", "skipped"]


def test_runner_thread_starts_and_stops(store: Store) -> None:
    ran: list[str] = []
    now = datetime(2026, 3, 2, tzinfo=UTC)
    job = Job("hf", Every(timedelta(hours=4)), lambda: ran.append("hf") and None)
    runner = JobRunner(store, [job], lambda: now, poll_seconds=0.01)
    runner.start()
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.stop(timeout=5)
    assert ran == ["hf"]


def test_the_job_table_follows_the_settings(service: Service) -> None:
    import dataclasses

    from paperwire.service import make_service

    names = {job.name for job in service.jobs().jobs.values()}
    # Test settings: no sync timetable, no SMTP server.
    assert names == {"index", "embed", "sessions"}
    assert {job.name for job in service.jobs(scheduled=False).jobs.values()} == {"index"}
    on = dataclasses.replace(
        service.settings, sync_arxiv_at="01:30", sync_hf_hours=4, smtp_host="127.0.0.1"
    )
    assert {job.name for job in make_service(on).jobs().jobs.values()} == {
        "index",
        "sync-arxiv",
        "sync-hf",
        "digests",
        "embed",
        "sessions",
    }


def test_a_run_made_elsewhere_this_period_is_not_repeated(store: Store) -> None:
    """Processes started apart keep timetables apart: the second one's scheduled run, due an
    instant after the first process's run, finds it in the store and skips it."""
    runs: list[str] = []
    outcomes: list[tuple[str, str]] = []

    def job(name: str) -> Job:
        return Job("sessions", Every(timedelta(hours=1)), lambda: runs.append(name), 30.0)

    now = datetime(2026, 3, 2, tzinfo=UTC)
    first = JobRunner(store, [job("first")], lambda: now)
    second = JobRunner(store, [job("second")], lambda: now, on_run=lambda *r: outcomes.append(r))
    first.tick()
    first.join(10)
    second.tick()
    second.join(10)
    assert runs == ["first"]
    assert outcomes == [("sessions", "skipped")]


def test_a_holder_killed_mid_run_hands_the_job_over_when_its_lease_expires(store: Store) -> None:
    """A lease left by a dead process (never renewed, never released): the runner that found it
    held looks again when it expires, not at the next period an hour later, and runs the job."""
    ttl_ms = 1500
    assert store.jobs.acquire_lock("job:sessions", "dead-host:1:00000000", ttl_ms)
    taken_at = time.monotonic()
    runs: list[float] = []
    outcomes: list[str] = []
    job = Job("sessions", Every(timedelta(hours=1)), lambda: runs.append(time.monotonic()), 30.0)
    runner = JobRunner(
        store, [job], lambda: datetime.now(UTC), on_run=lambda _, o: outcomes.append(o)
    )
    assert runner.tick() == ["sessions"]
    runner.join(10)
    assert outcomes == ["skipped"]
    assert runner.due["sessions"] < datetime.now(UTC) + timedelta(seconds=10)  # not in an hour
    deadline = time.monotonic() + 30
    while not runs and time.monotonic() < deadline:
        runner.tick()
        runner.join(10)
        time.sleep(0.05)
    assert outcomes[-1] == "ok" and len(runs) == 1
    assert runs[0] - taken_at >= ttl_ms / 1000  # not before the dead holder's lease ran out


def test_every_scheduled_job_but_the_index_runs_under_a_lease(service: Service) -> None:
    import dataclasses

    from paperwire.service import make_service

    on = dataclasses.replace(
        service.settings,
        sync_arxiv_at="01:30",
        sync_hf_hours=4,
        smtp_host="127.0.0.1",
        arxiv_api_url="http://127.0.0.1:9/api",
    )
    every = make_service(on).jobs().jobs
    assert set(every) == {
        "index",
        "sync-arxiv",
        "sync-hf",
        "digests",
        "embed",
        "submissions",
        "sessions",
    }
    assert {name for name, job in every.items() if job.lease_ttl is None} == {"index"}
