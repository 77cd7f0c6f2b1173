"""Scheduled work, in one table: every job ``paperwire serve`` runs, when, and under which
cross-process lease. One loop per process (``JobRunner``) starts each job when it is due, in
a thread of its own, never two runs of one job at once; a job whose run fails is logged and
stays on its timetable.

Jobs that must run once across processes and machines name a lease time-to-live: the runner
takes the store's lease (``paperwire.lease.JobLock``) for the run, and another process
holding it makes this one skip the run. Each process keeps its own timetable, so once per
period across all of them takes two more rules, both on the database's clock: a run that
finishes records when it started (``job-run:<name>`` in the store's checkpoints), and a
process whose scheduled run finds another process's run started within the last 0.9 of the
job's period skips it; a process that skipped because the lease was held looks again as soon
as that lease would expire, so a holder killed mid-job (whose run recorded nothing) is
replaced after its time-to-live, not at the next period. The sync and digest jobs also take
their own leases inside (so `paperwire sync` and `paperwire digest run` from cron are single
too); the index catch-up is per process (each process keeps its own index).

When a job is due is pure (``Every``, ``DailyAt``) and tested without threads or clocks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from typing import TYPE_CHECKING

from paperwire.digest.mailconfig import mail_mode
from paperwire.errors import PaperwireError
from paperwire.service.views import Clock
from paperwire.store import Store

if TYPE_CHECKING:
    from paperwire.lease import JobLock
    from paperwire.service.digests import Digests
    from paperwire.service.limits import RateLimiter
    from paperwire.service.search import Search
    from paperwire.service.sync import Sync
    from paperwire.settings import Settings

log = logging.getLogger(__name__)

EMBED_BATCH = 256
DIGEST_FIRST_RUN = timedelta(seconds=30)  # let the server finish starting first
# A scheduled run is skipped when another process's run started within this share of the
# period (one process's own timetable keeps its runs a whole period apart).
RAN_ELSEWHERE_SHARE = 0.9
SESSION_CLEAN_UP = timedelta(hours=1)
RUN_STATE = "job-run:"  # + job name: when its last finished run started (database clock)
# Submissions waiting for arXiv: tried again this often (one quick request each while offline).
SUBMISSIONS_EVERY = timedelta(minutes=5)


def next_daily(now: datetime, at: dt_time) -> datetime:
    """The first ``at`` (UTC) strictly after ``now``."""
    candidate = datetime.combine(now.date(), at, tzinfo=UTC)
    return candidate if candidate > now else candidate + timedelta(days=1)


def parse_time_of_day(text: str) -> dt_time:
    """``HH:MM`` -> time; ValueError otherwise."""
    hours, _, minutes = text.strip().partition(":")
    return dt_time(int(hours), int(minutes or 0))


class HeldElsewhere(Exception):
    """A job found the lock it takes itself held by another run (a command from cron, or a
    holder that died and whose lease has not expired yet): the run did not happen here, and
    is tried again after the lease's time-to-live."""


@dataclass(frozen=True, slots=True)
class Every:
    interval: timedelta
    first_after: timedelta = timedelta(0)  # the first run, counted from the runner's start

    def first(self, now: datetime) -> datetime:
        return now + self.first_after

    def next(self, now: datetime) -> datetime:
        return now + self.interval

    @property
    def period(self) -> timedelta:
        return self.interval


@dataclass(frozen=True, slots=True)
class DailyAt:
    at: dt_time  # UTC

    def first(self, now: datetime) -> datetime:
        return next_daily(now, self.at)

    def next(self, now: datetime) -> datetime:
        return next_daily(now, self.at)

    @property
    def period(self) -> timedelta:
        return timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    schedule: Every | DailyAt
    # Returns True when it stopped with work left (a batch job): it runs again at once.
    run: Callable[[], bool | None]
    lease_ttl: float | None = None  # seconds; None: no lease taken by the runner


class JobRunner:
    def __init__(
        self,
        store: Store,
        jobs: Sequence[Job],
        clock: Clock,
        *,
        poll_seconds: float = 1.0,
        on_run: Callable[[str, str], None] | None = None,
    ) -> None:
        """``on_run(job, outcome)`` is told each run's outcome: ``ok``, ``more`` (a batch
        that left work, run again at once), ``skipped`` (another process held the lease) or
        ``failed`` (the web's /metrics counts them)."""
        self.store = store
        self.on_run = on_run
        self.jobs = {job.name: job for job in jobs}
        self.clock = clock
        self.poll_seconds = poll_seconds
        now = clock()
        self.due = {job.name: job.schedule.first(now) for job in jobs}
        self._running: dict[str, threading.Thread] = {}
        self._again: set[str] = set()  # batch jobs that left work: not a scheduled run
        self._stop = threading.Event()
        self._loop_thread: threading.Thread | None = None

    def tick(self) -> list[str]:
        """Start every job that is due and not running; returns their names."""
        started = []
        now = self.clock()
        for name in sorted(self.due, key=self.due.__getitem__):
            thread = self._running.get(name)
            if self.due[name] > now or (thread is not None and thread.is_alive()):
                continue
            job = self.jobs[name]
            self.due[name] = job.schedule.next(now)
            thread = threading.Thread(target=self._run, args=(job,), name=f"job {name}")
            self._running[name] = thread
            thread.start()
            started.append(name)
        return started

    def join(self, timeout: float | None = None) -> None:
        """Wait for the runs in progress."""
        for thread in list(self._running.values()):
            thread.join(timeout)

    def _run(self, job: Job) -> None:
        scheduled = job.name not in self._again
        self._again.discard(job.name)
        outcome = self._outcome(job, scheduled)
        if self.on_run is not None:
            self.on_run(job.name, outcome)
        if outcome == "more":
            self._again.add(job.name)
            self.due[job.name] = self.clock()

    def _outcome(self, job: Job, scheduled: bool = True) -> str:
        try:
            if job.lease_ttl is None:
                more = job.run()
            else:
                from paperwire.lease import JobLock

                with JobLock(self.store, f"job:{job.name}", job.lease_ttl) as lease:
                    if not lease.held:
                        self._look_again(job, lease)
                        return "skipped"
                    jobs = self.store.jobs
                    started_ms = jobs.now_ms()
                    if scheduled and self._ran_elsewhere(job, started_ms):
                        return "skipped"
                    try:
                        more = job.run()
                    except HeldElsewhere as exc:
                        log.info("job %s skipped: %s", job.name, exc)
                        retry = self.clock() + timedelta(seconds=job.lease_ttl)
                        self.due[job.name] = min(self.due[job.name], retry)
                        return "skipped"
                    jobs.put_state(RUN_STATE + job.name, {"started_ms": started_ms})
        except PaperwireError as exc:
            log.warning("job %s failed: %s", job.name, exc)
            return "failed"
        except Exception:
            log.exception("job %s failed", job.name)
            return "failed"
        return "more" if more else "ok"

    def _look_again(self, job: Job, lease: JobLock) -> None:
        """Another process holds the lease: try again when it would expire (its holder may have
        died mid-run), rather than at the next period; a holder that finishes its run makes
        that try a skip (``_ran_elsewhere``)."""
        log.debug("job %s skipped: %s", job.name, lease.describe_holder())
        holder = lease.holder
        left_ms = (job.lease_ttl or 0) * 1000 if holder is None else lease.remaining_ms(holder)
        retry = self.clock() + timedelta(milliseconds=max(0, left_ms) + 100)
        self.due[job.name] = min(self.due[job.name], retry)

    def _ran_elsewhere(self, job: Job, now_ms: int) -> bool:
        """Whether a run of ``job`` (another process's, or this one's own) started within the
        last ``RAN_ELSEWHERE_SHARE`` of its period, by the database's clock."""
        state = self.store.jobs.get_state(RUN_STATE + job.name)
        if state is None:
            return False
        period_ms = job.schedule.period.total_seconds() * 1000
        return bool(now_ms - int(state["started_ms"]) < RAN_ELSEWHERE_SHARE * period_ms)

    def start(self) -> None:
        if self._loop_thread is None:
            self._loop_thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
            self._loop_thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop starting jobs, and wait (up to ``timeout``) for the runs in progress."""
        self._stop.set()
        if self._loop_thread is not None:
            self._loop_thread.join(timeout)
            self._loop_thread = None
        self.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.poll_seconds)


@dataclass(frozen=True, slots=True)
class JobParts:
    """What the scheduled jobs use; the digest part is built only when mail is configured."""

    settings: Settings
    store: Store
    clock: Clock
    search: Search
    sync: Sync
    digests: Callable[[], Digests]
    limits: RateLimiter
    # Community.submit_waiting: submissions kept while arXiv was unreachable.
    submit_waiting: Callable[[], int] | None = None


def job_table(parts: JobParts, *, scheduled: bool = True) -> list[Job]:
    """Every job. ``scheduled`` False: only the per-process index catch-up (a web app that
    runs no jobs still sees papers other processes import)."""
    settings = parts.settings
    interval = timedelta(seconds=settings.index_catch_up_seconds)
    catch_up = Every(interval, first_after=interval)
    jobs = [Job("index", catch_up, lambda: _index(parts))]
    if not scheduled:
        return jobs
    # Every other job runs once across processes: under a lease (the sync and digest jobs
    # take their own inside as well, for the same commands run from cron).
    sync_ttl = settings.sync_lock_ttl_seconds
    lease = settings.job_lease_seconds
    if settings.sync_arxiv_at.strip():
        at = parse_time_of_day(settings.sync_arxiv_at)
        jobs.append(
            Job("sync-arxiv", DailyAt(at), lambda: _sync(parts, "arxiv"), lease_ttl=sync_ttl)
        )
    if settings.sync_hf_hours > 0:
        every = Every(timedelta(hours=settings.sync_hf_hours))
        jobs.append(Job("sync-hf", every, lambda: _sync(parts, "hf"), lease_ttl=sync_ttl))
    if mail_mode(settings) != "none":
        every = Every(
            max(timedelta(seconds=30), timedelta(minutes=settings.digest_every_minutes)),
            first_after=DIGEST_FIRST_RUN,
        )
        jobs.append(
            Job("digests", every, lambda: _digests(parts), lease_ttl=settings.digest_lock_ttl)
        )
    if settings.embed_in_background:
        # One serving process embeds at a time and the others keep their cores for requests;
        # `paperwire embed` workers may run beside it (they split the work by claims).
        jobs.append(Job("embed", Every(interval), lambda: _embed(parts), lease_ttl=lease))
    if settings.arxiv_api_url and parts.submit_waiting is not None:
        # One process at a time, or two would fetch (and credit) the same paper.
        waiting = Every(SUBMISSIONS_EVERY, first_after=SUBMISSIONS_EVERY)
        jobs.append(Job("submissions", waiting, lambda: _submit_waiting(parts), lease_ttl=lease))
    clean = Every(SESSION_CLEAN_UP)
    jobs.append(Job("sessions", clean, lambda: _clean_sessions(parts), lease_ttl=lease))
    return jobs


def _index(parts: JobParts) -> None:
    """Papers imported or synced by other processes become searchable here."""
    parts.search.index(graph_in_background=True)


def _sync(parts: JobParts, which: str) -> None:
    sync_log = logging.getLogger("paperwire.sync")
    report = parts.sync.sync(which, progress=sync_log.info)
    for job in report.jobs:
        (sync_log.info if job.ok else sync_log.warning)(job.summary())
    held = [job.skipped for job in report.jobs if job.skipped]
    if held:
        raise HeldElsewhere("; ".join(held))


def _digests(parts: JobParts) -> None:
    report = parts.digests().run_digests()
    if report.locked_by:
        raise HeldElsewhere(report.locked_by)
    if report.due or report.errors or report.confirmations_sent:
        log.info("digests: %s", report.summary())


def _embed(parts: JobParts) -> bool:
    """A batch of papers that lack vectors; True while there are more (semantic search and
    related papers fill in while the site serves; a restart continues where it stopped)."""
    if parts.search.embedder() is None:
        return False
    # The graph, when these vectors take the index past its threshold, is built beside the
    # job: a build of minutes would hold the job's lease, and the next batch, that long.
    return parts.search.embed(limit=EMBED_BATCH, graph_in_background=True).seen > 0


def _submit_waiting(parts: JobParts) -> None:
    """Papers submitted while arXiv was unreachable, fetched and submitted now."""
    assert parts.submit_waiting is not None  # the job exists only when it is set
    done = parts.submit_waiting()
    if done:
        log.info("submitted %d papers that were waiting for arXiv", done)


def _clean_sessions(parts: JobParts) -> None:
    """Expired sessions, and the rate-limit windows that have ended."""
    removed = parts.store.people.delete_expired_sessions(parts.clock())
    if removed:
        log.info("removed %d expired sessions", removed)
    windows = parts.limits.clean()
    if windows:
        log.info("removed %d ended rate-limit windows", windows)
