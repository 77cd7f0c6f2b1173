"""A polite HTTP client for sources: paced, patient with failures, bounded in time.

- **Pacing** (``Pacer``): requests of one group (all of arXiv is one group: its rule covers the
  API, OAI-PMH and RSS together) start at least ``interval`` after the previous one *ended*,
  one at a time. Within a process a lock and a clock do it; across processes and machines a
  slot row in the store does (``store.jobs.claim_slot``).
- **Retries**: timeouts, dropped connections, 429 and 5xx are tried again with exponential
  backoff and jitter; a ``Retry-After`` header is obeyed instead of the backoff.
- **Budget**: every wait (pacing, backoff, Retry-After, the request itself) comes out of the
  job's ``Budget``; when the next wait would not fit, the job fails now with the URL and the
  last reason, rather than hanging past its slot.
- One connection (``httpx`` keeps it alive between requests), a User-Agent with a contact
  address, and conditional requests (``If-None-Match`` / ``If-Modified-Since``) on demand.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from paperwire import __version__
from paperwire.errors import BudgetSpent, SourceError, UnreachableError
from paperwire.store import Store

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]


def user_agent(contact_email: str) -> str:
    contact = f"mailto:{contact_email}" if contact_email else "no contact address configured"
    return f"paperwire/{__version__} (self-hosted paper discovery; {contact})"


class Budget:
    """A job's wall-clock allowance, shared by all its requests and waits."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._deadline = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._deadline - self._clock())

    def wait(self, seconds: float, why: str, sleep: Sleep = time.sleep) -> None:
        """Sleep ``seconds``, or fail at once when that would not fit in the budget."""
        if seconds > self.remaining():
            raise BudgetSpent(
                f"{why}; gave up: the job's time budget ({self.seconds:g} s) runs out before "
                f"the next try (would wait {seconds:.1f} s, {self.remaining():.1f} s left)"
            )
        if seconds > 0:
            sleep(seconds)


class Pacer:
    """At least ``interval`` seconds between the end of one request of group ``name`` and the
    start of the next, and one request at a time: per process by a lock, across processes by
    the store (when given)."""

    def __init__(
        self,
        name: str,
        interval: float,
        store: Store | None = None,
        *,
        lease: float = 300.0,
        sleep: Sleep = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.interval = interval
        self._store = store
        # A process killed mid-request leaves its slot marked busy; others wait at most this.
        self._lease_ms = int(lease * 1000)
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._next = 0.0

    @contextlib.contextmanager
    def turn(self, budget: Budget, url: str) -> Iterator[None]:
        if self.interval <= 0:
            yield
            return
        with self._lock:
            budget.wait(self._next - self._clock(), f"waiting to request {url}", self._sleep)
            if self._store is not None:
                self._claim(budget, url)
            try:
                yield
            finally:
                self._next = self._clock() + self.interval
                if self._store is not None:
                    self._store.jobs.release_slot(self.name, int(self.interval * 1000))

    def _claim(self, budget: Budget, url: str) -> None:
        assert self._store is not None
        while True:
            wait_ms = self._store.jobs.claim_slot(self.name, self._lease_ms)
            if wait_ms <= 0:
                return
            # Another process holds the turn: look again after at most one interval.
            wait = min(wait_ms / 1000, self.interval)
            budget.wait(wait, f"waiting for our turn at {self.name} to request {url}", self._sleep)


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    retry_after: float | None = None  # the server's Retry-After, in seconds
    unreachable: bool = False  # no connection at all (refused, no such host, no network)


# A host this client has never reached and that refuses connections (or has no address: no
# network) gets this many tries, not max_retries: offline, backing off for a minute and a
# half helps nobody, and the next scheduled run tries again (issue 13). A host that answered
# before keeps the full retries, since a blip in the middle of a harvest is worth waiting out.
UNREACHABLE_TRIES = 1


@functools.cache
def _warn_no_contact() -> None:
    """Once per process: every sync job and submission builds a client of its own."""
    log.warning("no contact_email set: arXiv asks harvesters for a contact address")


_RETRY_STATUSES = frozenset({408, 429})
# Worth another try: the network or the server may do better in a moment.
_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class PoliteClient:
    """GET with pacing, retries and a budget; answers with any status below 500 (and not 408
    or 429), so a caller can read an error document such as arXiv's 400 Atom feed."""

    def __init__(
        self,
        pacer: Pacer,
        *,
        contact_email: str = "",
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff: float = 2.0,
        backoff_cap: float = 300.0,
        sleep: Sleep = time.sleep,
        jitter: Callable[[], float] = random.random,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.pacer = pacer
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._jitter = jitter
        self._reached = False  # any answer yet, from any host
        if not contact_email:
            _warn_no_contact()
        self._http = httpx.Client(
            headers={"User-Agent": user_agent(contact_email)},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        budget: Budget,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Response:
        full_url = str(httpx.URL(url, params=dict(params or {})))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            attempt += 1
            outcome = self._try(full_url, headers, budget)
            if isinstance(outcome, Response):
                self._reached = True
                return outcome
            why = f"{full_url}: {outcome.reason}"
            if outcome.unreachable and not self._reached and attempt >= UNREACHABLE_TRIES:
                host = httpx.URL(url).host
                raise UnreachableError(f"cannot reach {host} (offline?): {outcome.reason}")
            if attempt > self.max_retries:
                raise SourceError(f"{why} (gave up after {attempt} tries)")
            delay = outcome.retry_after
            if delay is None:
                delay = self._backoff(attempt)
            log.info("%s; trying again in %.1f s (try %d)", why, delay, attempt + 1)
            budget.wait(delay, why, self._sleep)

    def _try(self, url: str, headers: dict[str, str], budget: Budget) -> Response | _Failure:
        """One request: the Response, or why it failed (worth another try)."""
        with self.pacer.turn(budget, url):
            left = budget.remaining()
            if left <= 0:
                raise BudgetSpent(f"{url}: the job's time budget ({budget.seconds:g} s) is spent")
            timeout = min(self.timeout, left)
            try:
                resp = self._http.get(url, headers=headers, timeout=timeout)
            except _TRANSIENT as exc:
                return _Failure(_describe(exc, timeout), unreachable=_unreachable(exc))
            except httpx.HTTPError as exc:
                raise SourceError(f"{url}: {_describe(exc, timeout)}") from exc
        if resp.status_code >= 500 or resp.status_code in _RETRY_STATUSES:
            retry_after = _retry_after(resp.headers.get("Retry-After"))
            return _Failure(f"HTTP {resp.status_code}", retry_after)
        return Response(
            url=url,
            status=resp.status_code,
            body=resp.content,
            content_type=resp.headers.get("Content-Type", ""),
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
        )

    def _backoff(self, attempt: int) -> float:
        """Exponential, with "equal jitter": half fixed, half random, so clients that failed
        together do not all come back together."""
        ceiling = min(self.backoff_cap, self.backoff * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._jitter() * ceiling / 2


def _retry_after(value: str | None) -> float | None:
    """``Retry-After``: seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when: datetime = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _unreachable(exc: httpx.HTTPError) -> bool:
    """No connection could be made at all (refused, unknown host, no route), as opposed to
    one that was slow or broke off."""
    return isinstance(exc, httpx.ConnectError)


def _describe(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the connection broke off in the middle of the response ({exc})"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
