"""The one wiring point: ``make_service(settings, clock=...)`` builds the service's parts and
hands each exactly what it uses. The CLI, the web app, the job runner and the tests receive
the ``Service`` it returns.

Parts are built on first use (``functools.cached_property``, which holds a lock while it
builds in Python 3.11), so a one-shot command such as ``paperwire show``, which needs only
``papers``, never imports the search stack, the digest code or SQLAlchemy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from paperwire.service.views import Clock
from paperwire.settings import Settings
from paperwire.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable

    from paperwire.models import Paper
    from paperwire.service.accounts import Accounts
    from paperwire.service.cards import Cards
    from paperwire.service.community import Community
    from paperwire.service.digest_mail import Notices
    from paperwire.service.digests import Digests
    from paperwire.service.feeds import Feeds
    from paperwire.service.jobs import JobRunner
    from paperwire.service.library import Library
    from paperwire.service.limits import RateLimiter
    from paperwire.service.outbox import Outbox
    from paperwire.service.papers import Papers
    from paperwire.service.recommend import Recommend
    from paperwire.service.search import Search
    from paperwire.service.signals import Signals
    from paperwire.service.sync import Sync
    from paperwire.service.tokens import AccessTokens


def utc_now() -> datetime:
    return datetime.now(UTC)


class Service:
    """Everything the CLI, the web app and the job runner do, as named parts over one store."""

    def __init__(self, settings: Settings, store: Store, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock

    def init(self) -> None:
        """Create the data folder and bring the store's schema up to date (idempotent): what
        `paperwire init` and `serve --migrate` do; nothing else migrates."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store.migrate()

    def check_schema(self) -> None:
        """Refuse a store whose schema is behind this paperwire's (or missing): every command
        but `init` (and `serve --migrate`) calls this instead of migrating on its own."""
        from paperwire.errors import SchemaError
        from paperwire.store.migrations import HEAD

        revision = self.store.schema_revision()
        if revision != HEAD:
            found = f"is at schema revision {revision}" if revision else "has no schema yet"
            raise SchemaError(
                f"the store {self.store.display_url} {found}; this paperwire needs {HEAD}: "
                "run `paperwire init` (or `paperwire serve --migrate`) to bring it up to date"
            )

    def close(self) -> None:
        self.store.close()

    @functools.cached_property
    def papers(self) -> Papers:
        from paperwire.service.papers import Papers

        return Papers(self.store, self.settings)

    @functools.cached_property
    def cards(self) -> Cards:
        from paperwire.service.cards import Cards

        return Cards(self.store, self.settings.new_window_days)

    @functools.cached_property
    def search(self) -> Search:
        from paperwire.service.search import Search

        return Search(self.store, self.settings)

    @functools.cached_property
    def feeds(self) -> Feeds:
        from paperwire.service.feeds import Feeds

        return Feeds(self.store, self.settings, self.clock, self.cards, self.papers, self.search)

    @functools.cached_property
    def recommend(self) -> Recommend:
        from paperwire.service.recommend import Recommend

        return Recommend(
            self.store,
            self.clock,
            self.settings.import_batch_size,
            tokens=self.notices.tokens,
            embedder=self.search.embedder,
        )

    @functools.cached_property
    def limits(self) -> RateLimiter:
        from paperwire.service.limits import DEFAULT_LIMITS, RateLimiter

        return RateLimiter(self.store, self.clock, dict(DEFAULT_LIMITS))

    @functools.cached_property
    def accounts(self) -> Accounts:
        from paperwire.accounts import Passwords
        from paperwire.service.accounts import Accounts

        passwords = Passwords(
            self.settings.password_hash_time_cost, self.settings.password_hash_memory_kib
        )
        return Accounts(self.store, self.clock, passwords, self.settings.session_days, self.limits)

    @functools.cached_property
    def tokens(self) -> AccessTokens:
        from paperwire.service.tokens import AccessTokens

        return AccessTokens(self.store, self.clock)

    @functools.cached_property
    def signals(self) -> Signals:
        from paperwire.service.signals import Signals

        return Signals(self.store, self.clock, self.papers, self.limits)

    @functools.cached_property
    def community(self) -> Community:
        from paperwire.service.community import Community

        return Community(
            self.store, self.clock, self.papers, self.cards, self._arxiv_fetcher(), self.limits
        )

    def _arxiv_fetcher(self) -> Callable[[str], Paper] | None:
        """What looks a paper up on arXiv and stores it; None offline (no arXiv API set),
        when only papers already stored can be submitted or imported."""
        return self.sync.fetch_from_arxiv if self.settings.arxiv_api_url else None

    @functools.cached_property
    def library(self) -> Library:
        from paperwire.service.library import Library

        return Library(
            self.store,
            self.clock,
            self.community,
            self._arxiv_fetcher(),
            max_bytes=self.settings.library_max_bytes,
            fetch_limit=self.settings.library_fetch_limit,
        )

    @functools.cached_property
    def sync(self) -> Sync:
        from paperwire.service.sync import Sync

        return Sync(self.store, self.settings)

    @functools.cached_property
    def notices(self) -> Notices:
        from paperwire.digest.tokens import Tokens
        from paperwire.secret_key import load_secret
        from paperwire.service.digest_mail import Notices

        secret = load_secret(self.settings.secret_key, self.settings.data_dir)
        tokens = Tokens(secret, self.clock)
        return Notices(self.store, self.settings, self.clock, tokens)

    @functools.cached_property
    def outbox(self) -> Outbox:
        from paperwire.service.outbox import Outbox

        return Outbox(self.store)

    @functools.cached_property
    def digests(self) -> Digests:
        from paperwire.service.digests import Digests

        return Digests(
            self.store,
            self.settings,
            self.clock,
            self.notices,
            self.search,
            self.cards,
            self.recommend,
        )

    def jobs(
        self, *, scheduled: bool = True, on_run: Callable[[str, str], None] | None = None
    ) -> JobRunner:
        """The runner of this service's job table (``paperwire serve`` starts it once per
        process); ``scheduled`` False: only the index catch-up. ``on_run``: see JobRunner."""
        from paperwire.service.jobs import JobParts, JobRunner, job_table

        parts = JobParts(
            self.settings,
            self.store,
            self.clock,
            self.search,
            self.sync,
            lambda: self.digests,
            self.limits,
            lambda: self.community.submit_waiting(),
        )
        return JobRunner(
            self.store, job_table(parts, scheduled=scheduled), self.clock, on_run=on_run
        )


def make_service(settings: Settings, *, clock: Clock = utc_now) -> Service:
    return Service(settings, Store(settings.effective_database_url), clock)
