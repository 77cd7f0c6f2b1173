"""Hugging Face daily papers: ``GET {hf_api_url}/daily_papers?date=YYYY-MM-DD`` per day.

Each run fetches the days since the last synced one, plus the last ``hf_refresh_days`` days
again (upvotes, GitHub links and stars keep changing after the day), with the ETag and
Last-Modified of the previous answer so an unchanged day costs a 304. Items merge onto the
arXiv papers by id (``import_items``): HF brings upvotes and links, arXiv the metadata.

The checkpoint (``sync_state`` row ``hf-daily``) is the last day up to which every day synced
cleanly, and the validators of the days still in the refresh window. A day whose document is
damaged keeps the checkpoint from moving past it, so the next run fetches it again; the good
items of a damaged document are stored all the same (storing them twice changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from paperwire.models import Item, Problem
from paperwire.sources.hf_daily import parse_daily
from paperwire.store import Store
from paperwire.sync.apply import store_items
from paperwire.sync.config import SyncConfig
from paperwire.sync.http import Budget, PoliteClient
from paperwire.sync.report import JobReport, Progress

STATE = "hf-daily"
# HF answers at most 100 papers per request (50 unless asked); a day has far fewer.
DAY_LIMIT = "100"

Guard = Callable[[], None]


def days_to_fetch(
    today: date, last_day: date | None, refresh_days: int, since: date | None = None
) -> list[date]:
    """The days one run fetches, oldest first (pure)."""
    refresh_start = today - timedelta(days=max(refresh_days, 1) - 1)
    if since is not None:
        start = since
    elif last_day is not None:
        start = min(last_day + timedelta(days=1), refresh_start)
    else:
        start = refresh_start
    return list(_date_range(start, today))


def _date_range(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def sync_days(
    client: PoliteClient,
    store: Store,
    config: SyncConfig,
    report: JobReport,
    budget: Budget,
    *,
    today: date,
    since: date | None = None,
    dry_run: bool = False,
    progress: Progress,
    guard: Guard,
) -> None:
    state = store.jobs.get_state(STATE) or {}
    last = date.fromisoformat(state["last_day"]) if state.get("last_day") else None
    validators: dict[str, dict[str, str]] = dict(state.get("validators") or {})
    days = days_to_fetch(today, last, config.hf_refresh_days, since)
    url = config.hf_api_url.rstrip("/") + "/daily_papers"
    clean_so_far = True
    for day in days:
        guard()
        key = day.isoformat()
        cached = validators.get(key, {})
        response = client.get(
            url,
            {"date": key, "limit": DAY_LIMIT},
            budget=budget,
            etag=cached.get("etag"),
            last_modified=cached.get("last_modified"),
        )
        report.pages += 1
        clean = True
        if response.not_modified:
            progress(f"hf {key}: not modified")
        elif response.status != 200:
            report.error(f"{response.url}: HTTP {response.status}")
            clean = False
        else:
            items = parse_daily(response.body, response.url)
            damage = _damage(items, response.url)
            if damage:
                report.error(f"{response.url}: {damage}")
                clean = False
            store_items(
                store,
                [i for i in items if i is not damage],
                response.url,
                report,
                today=today,
                dry_run=dry_run,
                batch_size=config.batch_size,
            )
            validators[key] = _validators(response.etag, response.last_modified) if clean else {}
            progress(f"hf {key}: {sum(not isinstance(i, Problem) for i in items)} papers")
        clean_so_far = clean_so_far and clean
        if clean_so_far and (last is None or day > last):
            last = day
        if not dry_run:
            store.jobs.put_state(STATE, _state(last, validators, today, config.hf_refresh_days))


def _damage(items: list[Item], url: str) -> Problem | None:
    """The problem that says the document itself is broken (not one bad item in it)."""
    for item in items:
        if isinstance(item, Problem) and (
            item.where == url or item.reason.startswith("invalid JSON")
        ):
            return item
    return None


def _validators(etag: str | None, last_modified: str | None) -> dict[str, str]:
    found = {"etag": etag, "last_modified": last_modified}
    return {k: v for k, v in found.items() if v}


def _state(
    last: date | None, validators: dict[str, dict[str, str]], today: date, refresh_days: int
) -> dict[str, Any]:
    # Only days that will be fetched again need their validators.
    keep_from = (today - timedelta(days=refresh_days)).isoformat()
    return {
        "last_day": last.isoformat() if last else None,
        "validators": {k: v for k, v in sorted(validators.items()) if k >= keep_from and v},
    }
