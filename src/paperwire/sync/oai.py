"""arXiv OAI-PMH harvester: ``ListRecords`` by window, page by page, resumable.

A *window* is one incremental harvest: ``from`` a date, no ``until``, following resumption
tokens to the last page. The checkpoint (one row per set in ``sync_state``) holds the window
and the token of the next page, and is rewritten after every stored page:

1. fetch the page (the token from the checkpoint, or the window's first request);
2. store its records (``import_items``: upsert, so storing a page twice changes nothing);
3. commit the new checkpoint.

A kill between 2 and 3 means the next run fetches that page again and finds nothing to change,
so committing "records, then checkpoint" in two transactions can neither lose nor duplicate a
record. When the last page is stored, the next window starts from the date of the *first*
page's ``responseDate``: a record changed while we were paging is in the next window, and the
overlap of one day costs only unchanged records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from paperwire.errors import SourceError
from paperwire.models import Problem
from paperwire.sources.oai import NO_RECORDS, OaiPage, parse_oai_page
from paperwire.store import Store
from paperwire.sync.apply import store_items
from paperwire.sync.config import SyncConfig
from paperwire.sync.http import Budget, PoliteClient
from paperwire.sync.report import JobReport, Progress

STATE_PREFIX = "arxiv-oai:"
BAD_TOKEN = "badResumptionToken"
# An expired token restarts the window; a token that keeps expiring means something else is
# wrong, and looping on it would hammer arXiv.
MAX_RESTARTS = 2
_MALFORMED = "malformed XML"  # how sources.xmlutil reports a document that breaks off

Guard = Callable[[], None]


def state_name(set_spec: str | None) -> str:
    return STATE_PREFIX + (set_spec or "*")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where the harvest of one set stands (stored as JSON)."""

    next_from: str | None = None  # where the next window starts, once one has completed
    window_from: str | None = None  # the window in progress (None: none in progress)
    token: str | None = None  # the next page of that window (None: its first page)
    started: str | None = None  # responseDate of the window's first page
    pages: int = 0  # pages of this window stored so far
    in_progress: bool = False

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Checkpoint:
        if not data:
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def begin(self, start: str) -> Checkpoint:
        return dataclasses.replace(
            self, window_from=start, token=None, started=None, pages=0, in_progress=True
        )

    def restart(self) -> Checkpoint:
        """The token expired: the window again from its first page (stored pages are
        re-read as unchanged)."""
        return dataclasses.replace(self, token=None, started=None, pages=0)

    def advance(self, page: OaiPage, fallback_date: str) -> Checkpoint:
        started = self.started or page.response_date or fallback_date
        if page.resumption_token:
            return dataclasses.replace(
                self, token=page.resumption_token, started=started, pages=self.pages + 1
            )
        return Checkpoint(next_from=started[:10])

    def params(self, metadata_prefix: str, set_spec: str | None) -> dict[str, str]:
        if self.token:
            # With a token, OAI-PMH forbids every other argument.
            return {"verb": "ListRecords", "resumptionToken": self.token}
        params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
        if set_spec:
            params["set"] = set_spec
        if self.window_from:
            params["from"] = self.window_from
        return params


def harvest_set(
    client: PoliteClient,
    store: Store,
    config: SyncConfig,
    set_spec: str | None,
    report: JobReport,
    budget: Budget,
    *,
    today: date,
    since: date | None = None,
    dry_run: bool = False,
    progress: Progress,
    guard: Guard,
) -> None:
    """Harvest one set to the end of its window; raises SourceError when a page cannot be had
    (the checkpoint then still points at that page)."""
    name = state_name(set_spec)
    label = f"arxiv {set_spec or 'all'}"
    checkpoint = Checkpoint.load(store.jobs.get_state(name))
    if since is not None:
        checkpoint = Checkpoint(next_from=since.isoformat())
    if not checkpoint.in_progress:
        first = (today - timedelta(days=config.arxiv_first_days)).isoformat()
        checkpoint = checkpoint.begin(checkpoint.next_from or first)
    elif checkpoint.token:
        progress(f"{label}: resuming at page {checkpoint.pages + 1} of the window")
    restarts = pages = records = 0
    while True:
        guard()
        params = checkpoint.params(config.metadata_prefix, set_spec)
        page, url = fetch_page(client, config.arxiv_oai_url, params, budget, config.page_retries)
        if page.error_code == BAD_TOKEN and checkpoint.token:
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise SourceError(f"{url}: resumption tokens rejected {restarts} times in this run")
            progress(f"{label}: resumption token expired; restarting the window")
            checkpoint = checkpoint.restart()
            continue
        if page.error_code not in (None, NO_RECORDS):
            raise SourceError(f"{url}: OAI-PMH error {page.error_code}: {page.error_message}")
        store_items(
            store,
            page.items,
            url,
            report,
            today=today,
            dry_run=dry_run,
            batch_size=config.batch_size,
        )
        report.pages += 1
        pages += 1
        records += sum(not isinstance(item, Problem) for item in page.items)
        checkpoint = checkpoint.advance(page, today.isoformat())
        if not dry_run:
            store.jobs.put_state(name, checkpoint.to_json())
        of = f" of {page.complete_list_size:,}" if page.complete_list_size else ""
        progress(f"{label}: page {pages}, {records:,}{of} records")
        if not checkpoint.in_progress:
            return


def fetch_page(
    client: PoliteClient,
    base_url: str,
    params: dict[str, str],
    budget: Budget,
    retries: int,
) -> tuple[OaiPage, str]:
    """One OAI-PMH response, parsed whole; a damaged one (truncated, not OAI-PMH at all) is
    fetched again up to ``retries`` times, then the job stops with the URL and the reason.
    Nothing of a damaged page is stored: a page is the unit of progress."""
    reason = ""
    for _ in range(retries + 1):
        response = client.get(base_url, params, budget=budget)
        if response.status != 200:
            raise SourceError(f"{response.url}: HTTP {response.status}")
        page = parse_oai_page(response.body, response.url)
        reason = _damage(page, response.content_type)
        if not reason:
            return page, response.url
        reason = f"{response.url}: {reason}"
    raise SourceError(f"{reason} (same after {retries + 1} tries)")


def _damage(page: OaiPage, content_type: str) -> str:
    broken = next(
        (i for i in page.items if isinstance(i, Problem) and i.reason.startswith(_MALFORMED)),
        None,
    )
    if broken is not None:
        return f"damaged page: {broken.reason}"
    # Every OAI-PMH response, errors included, carries a responseDate; an HTML error page
    # from a proxy parses as XML often enough to need this check.
    if page.response_date is None and page.error_code is None:
        return f"not an OAI-PMH response (Content-Type {content_type or 'missing'})"
    return ""
