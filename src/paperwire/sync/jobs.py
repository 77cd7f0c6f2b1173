"""The sync jobs and their runner: what ``paperwire sync`` and the scheduler call.

``run_sync(store, config, "arxiv" | "hf" | "all")`` runs each job in turn:

1. take the job's lock in the store (a job already running anywhere is skipped, not doubled);
2. open a polite client for the source's host group, with the job's time budget;
3. harvest page by page, each page stored and checkpointed before the next is fetched;
4. release the lock and report pages, records, new, updated, deleted and errors.

A source that fails (down past its budget, an error document, damaged pages) stops that job
with a message naming the URL and the reason; the other jobs still run, and the store holds
exactly the pages stored before the failure.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import httpx

from paperwire.errors import BudgetSpent, ConfigError, LockLost, NotFoundError, SourceError
from paperwire.ids import normalize_id
from paperwire.ingest import import_items
from paperwire.lease import JobLock
from paperwire.models import Paper
from paperwire.store import Store
from paperwire.sync.arxiv_api import ArxivApi
from paperwire.sync.config import SyncConfig
from paperwire.sync.hf import sync_days
from paperwire.sync.http import Budget, Pacer, PoliteClient, Sleep
from paperwire.sync.oai import harvest_set
from paperwire.sync.report import JobReport, Progress, SyncReport, no_progress

JOBS = ("arxiv", "hf")
LOCK_PREFIX = "sync:"
# A person waits for a submitted paper: never the whole job budget.
LOOKUP_BUDGET_SECONDS = 60.0


class _Context:
    """What every job gets: the store, config, a clock and the knobs tests turn."""

    def __init__(
        self,
        store: Store,
        config: SyncConfig,
        *,
        today: date,
        since: date | None,
        dry_run: bool,
        progress: Progress,
        sleep: Sleep,
        transport: httpx.BaseTransport | None,
    ) -> None:
        self.store = store
        self.config = config
        self.today = today
        self.since = since
        self.dry_run = dry_run
        self.progress = progress
        self.sleep = sleep
        self.transport = transport


def client_for(
    store: Store,
    config: SyncConfig,
    group: str,
    *,
    sleep: Sleep = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> PoliteClient:
    """A polite client for a host group: "arxiv" (API and OAI-PMH share arXiv's 3 s rule)
    or "huggingface"."""
    delay = config.arxiv_delay if group == "arxiv" else config.hf_delay
    pacer = Pacer(group, delay, store, lease=config.http_timeout + 30, sleep=sleep)
    return PoliteClient(
        pacer,
        contact_email=config.contact_email,
        timeout=config.http_timeout,
        max_retries=config.max_retries,
        backoff=config.backoff_seconds,
        backoff_cap=config.backoff_cap_seconds,
        sleep=sleep,
        transport=transport,
    )


def run_sync(
    store: Store,
    config: SyncConfig,
    which: str = "all",
    *,
    since: date | None = None,
    dry_run: bool = False,
    progress: Progress = no_progress,
    today: date | None = None,
    sleep: Sleep = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    if which != "all" and which not in JOBS:
        raise ConfigError(f"unknown sync job {which!r}; choose arxiv, hf or all")
    ctx = _Context(
        store,
        config,
        today=today or datetime.now(UTC).date(),
        since=since,
        dry_run=dry_run,
        progress=progress,
        sleep=sleep,
        transport=transport,
    )
    report = SyncReport()
    for name in JOBS if which == "all" else (which,):
        report.jobs.append(run_job(ctx, name))
    return report


def run_job(ctx: _Context, name: str) -> JobReport:
    job = JobReport(name, dry_run=ctx.dry_run)
    started = time.monotonic()
    try:
        with _locked(ctx, name) as lock:
            if lock is not None and not lock.held:
                job.skipped = lock.describe_holder()
                return job
            guard = lock.check if lock is not None else _no_guard
            _RUNNERS[name](ctx, job, Budget(ctx.config.budget_seconds), guard)
    except SourceError as exc:
        job.fail(str(exc))
    finally:
        job.seconds = time.monotonic() - started
    return job


@contextlib.contextmanager
def _locked(ctx: _Context, name: str) -> Iterator[JobLock | None]:
    # A dry run writes nothing, so it needs no lock and never blocks a real run.
    if ctx.dry_run:
        yield None
        return
    with JobLock(ctx.store, LOCK_PREFIX + name, ctx.config.lock_ttl_seconds) as lock:
        yield lock


def _no_guard() -> None:
    return None


def _run_arxiv(ctx: _Context, job: JobReport, budget: Budget, guard: Callable[[], None]) -> None:
    with client_for(
        ctx.store, ctx.config, "arxiv", sleep=ctx.sleep, transport=ctx.transport
    ) as client:
        for set_spec in ctx.config.sets or (None,):
            try:
                harvest_set(
                    client,
                    ctx.store,
                    ctx.config,
                    set_spec,
                    job,
                    budget,
                    today=ctx.today,
                    since=ctx.since,
                    dry_run=ctx.dry_run,
                    progress=ctx.progress,
                    guard=guard,
                )
            except (BudgetSpent, LockLost):
                raise
            except SourceError as exc:
                # One set's failure does not keep the others from being harvested.
                job.fail(f"set {set_spec}: {exc}" if set_spec else str(exc))


def _run_hf(ctx: _Context, job: JobReport, budget: Budget, guard: Callable[[], None]) -> None:
    with client_for(
        ctx.store, ctx.config, "huggingface", sleep=ctx.sleep, transport=ctx.transport
    ) as client:
        sync_days(
            client,
            ctx.store,
            ctx.config,
            job,
            budget,
            today=ctx.today,
            since=ctx.since,
            dry_run=ctx.dry_run,
            progress=ctx.progress,
            guard=guard,
        )


_RUNNERS: dict[str, Callable[[_Context, JobReport, Budget, Callable[[], None]], None]] = {
    "arxiv": _run_arxiv,
    "hf": _run_hf,
}


def fetch_arxiv_paper(
    store: Store,
    config: SyncConfig,
    paper_id: str,
    *,
    today: date | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Paper:
    """Look a paper up on the arXiv API and store it (new, or refreshed to its latest
    version); NotFoundError when arXiv has no such paper."""
    canonical = normalize_id(paper_id)
    budget = Budget(min(config.budget_seconds, LOOKUP_BUDGET_SECONDS))
    with client_for(store, config, "arxiv", transport=transport) as client:
        items = list(ArxivApi(client, config.arxiv_api_url).lookup([canonical], budget))
    found = [(url, p) for url, p in items if isinstance(p, Paper) and p.id == canonical]
    if not found:
        raise NotFoundError(f"arXiv has no paper {canonical}")
    import_items(store, found, today=today)
    paper = store.papers.get_paper(canonical)
    assert paper is not None  # just written
    return paper
