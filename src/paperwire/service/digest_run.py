"""The digest job: every due subscription, matched, composed and delivered, once.

Steps of one run (``DigestRun.run``):

1. take the ``digests`` job lock (a row in the store), so two schedulers or a cron job and a
   server never run at once; a crashed run's lock expires after ``digest_lock_ttl``;
2. resolve what a crashed run left ``sending`` (counted as sent, see digest/deliver.py);
3. send the confirmation mails still due (the web form tries at once; this retries);
4. bring the search index up to date, so today's papers can match;
5. walk the confirmed subscriptions in id order, a page at a time (memory stays flat); for
   each one due now: claim the period, match the window's papers (``search.topics``) minus
   those already mailed to it, compose, deliver; or record the period as empty.

Time is the ``now`` passed in (``paperwire digest run --now``), so days, weeks, time zones and
weekends are tested without waiting.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time

from paperwire.digest import periods
from paperwire.digest.compose import compose_digest, message_id, site_host
from paperwire.digest.deliver import Deliverer, RetryPolicy
from paperwire.digest.mailconfig import envelope_sender
from paperwire.digest.mime import Mail
from paperwire.digest.model import FOR_YOU, Candidate, DigestItem, Subscriber, Subscription
from paperwire.digest.smtp import message_bytes
from paperwire.digest.transport import MailConnection
from paperwire.errors import PaperwireError
from paperwire.models import Paper
from paperwire.search.topics import Match, TopicMatcher, Window, quoted, rank_trending
from paperwire.service.cards import Cards
from paperwire.service.digest_mail import Notices
from paperwire.service.recommend import ForYou, PeriodRanker, Recommend, one_thread
from paperwire.service.search import Search
from paperwire.settings import Settings
from paperwire.store import Store

log = logging.getLogger(__name__)
PAGE = 500  # subscriptions read per query
WINDOWS_KEPT = 8  # distinct windows cached per run (most subscriptions share one or two)
LOCK_NAME = "digests"
PAPERS_KEPT = 20_000  # papers cached per run (bounded: memory stays flat)
RANKERS_KEPT = 2  # For-you windows ranked per run at once (each keeps its liked papers' rows)


@dataclass
class Preview:
    email: str
    subscription_id: int
    subject: str
    items: int


@dataclass
class DigestReport:
    now: datetime
    dry_run: bool = False
    due: int = 0
    sent: int = 0
    empty: int = 0
    failed: int = 0
    retry: int = 0
    waiting: int = 0  # due, but done already or waiting for a retry time
    deferred: int = 0  # not tried: the SMTP server was unreachable
    resolved: int = 0  # left "sending" by a crashed run, counted as sent
    confirmations_sent: int = 0
    confirmations_failed: int = 0
    would_send: list[Preview] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    locked_by: str | None = None
    seconds: float = 0.0
    match_seconds: float = 0.0
    compose_seconds: float = 0.0
    send_seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0: everything due was sent or found empty (or another run holds the lock);
        1: some digests failed or wait for a retry; the summary says which."""
        trouble = self.failed or self.retry or self.deferred or self.errors
        return 1 if trouble else 0

    def summary(self) -> str:
        if self.locked_by is not None:
            return f"another digest run is in progress ({self.locked_by}); nothing done"
        head = "dry run: " if self.dry_run else ""
        parts = [
            f"{self.due} due",
            f"{len(self.would_send) if self.dry_run else self.sent} "
            f"{'would be sent' if self.dry_run else 'sent'}",
            f"{self.empty} empty",
        ]
        for name in ("failed", "retry", "waiting", "deferred", "resolved"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name}")
        if self.confirmations_sent or self.confirmations_failed:
            parts.append(f"{self.confirmations_sent} confirmation mails")
        line = f"{head}{', '.join(parts)} in {self.seconds:.1f} s"
        return "\n".join([line, *(f"error: {e}" for e in self.errors[:20])])


@dataclass
class _WindowData:
    window: Window
    candidates: dict[str, Candidate]
    trending: list[Match] | None = None


class DigestRun:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        notices: Notices,
        search: Search,
        cards: Cards,
        recommend: Recommend,
        now: datetime,
        *,
        dry_run: bool,
        only: str | None,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.notices = notices
        self.search = search
        self.cards = cards
        self.recommend = recommend
        self.now = now
        self.dry_run = dry_run
        self.only = only
        self.progress = progress
        self.report = DigestReport(now=now, dry_run=dry_run)
        self.grace = self.settings.digest_grace_days
        self._windows: OrderedDict[tuple[date, date], _WindowData] = OrderedDict()
        self._matcher: TopicMatcher | None = None
        self._deliverer: Deliverer | None = None
        self._server_down = False
        self._paper_cache: dict[str, Paper] = {}
        self._sent: dict[int, set[str]] = {}  # prefetched per page of subscriptions
        self._rankers: OrderedDict[tuple[date, date], PeriodRanker] = OrderedDict()
        self._owners: dict[int, int | None] = {}  # subscriber -> account, per page
        # The page of subscriptions walked now; its For-you owners' signals, read once per
        # page (``liked_by``); and their rankings per window, made together for the page
        # (``PeriodRanker.for_users``: liked papers read and transformed in large batches,
        # the rankings on every core).
        self._page: list[tuple[Subscriber, Subscription]] = []
        self._liked: dict[int, dict[str, datetime]] = {}
        self._ranked: dict[tuple[date, date], dict[int, ForYou]] = {}

    # -- the job -----------------------------------------------------------------------------
    def run(self, lock_wait: float = 0.0) -> DigestReport:
        started = time.perf_counter()
        if self.dry_run:
            self._walk()
        else:
            from paperwire.lease import JobLock

            ttl = self.settings.digest_lock_ttl
            deadline = time.monotonic() + lock_wait
            while True:
                with JobLock(self.store, LOCK_NAME, ttl) as lock:
                    if lock.held:
                        self._locked_run(lock.check)
                        break
                    if time.monotonic() >= deadline:
                        self.report.locked_by = lock.describe_holder()
                        break
                time.sleep(min(1.0, max(0.05, ttl / 10)))
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _locked_run(self, check: Callable[[], None]) -> None:
        self.notices.connection()  # no way to send mail: a configuration error, before anything
        try:
            self.report.resolved = self.store.deliveries.resolve_sending(self.now)
            self.report.confirmations_sent, self.report.confirmations_failed = (
                self.notices.send_due_confirmations(self._connection)
            )
            self._walk(check)
        finally:
            if self._deliverer is not None:
                self._deliverer.connection.close()

    def _walk(self, check: Callable[[], None] | None = None) -> None:
        with one_thread():  # For-you rankings: BLAS on one thread (service/recommend.py)
            self._walk_pages(check)

    def _walk_pages(self, check: Callable[[], None] | None) -> None:
        self.search.index()
        after = 0
        key = self.only.lower() if self.only else None
        while True:
            page = self.store.subscribers.active_subscriptions(after, PAGE, key)
            if not page:
                return
            self._prefetch_sent(page)
            self._owners = {subscriber.id: subscriber.user_id for subscriber, _ in page}
            owners = {
                subscriber.user_id
                for subscriber, sub in page
                if sub.kind == "for_you" and subscriber.user_id is not None
            }
            self._liked = self.store.community.liked_by(sorted(owners)) if owners else {}
            self._page = page
            self._ranked = {}
            for subscriber, sub in page:
                after = sub.id
                if check is not None:
                    check()
                period_end = periods.due(sub, subscriber.timezone, self.now)
                if period_end is None:
                    continue
                self.report.due += 1
                try:
                    self._one(subscriber, sub, period_end)
                except PaperwireError as exc:
                    self.report.errors.append(f"subscription {sub.id}: {exc}")
                    log.warning("digest for subscription %s failed: %s", sub.id, exc)
                if self.progress is not None:
                    self.progress(1)

    def _one(self, subscriber: Subscriber, sub: Subscription, period_end: date) -> None:
        if self._server_down:
            self.report.deferred += 1
            return
        host = site_host(self.settings.public_url)
        claim = None
        if not self.dry_run:
            claim = self.store.deliveries.claim(
                sub.id, period_end, self.now, message_id(sub.id, period_end, host)
            )
            if claim is None:
                self.report.waiting += 1
                return
        clock = time.perf_counter()
        items = self.items(sub, period_end)
        self.report.match_seconds += time.perf_counter() - clock
        if not items:
            if not self.dry_run:
                self.store.deliveries.record_empty(sub.id, period_end, self.now)
            self.report.empty += 1
            return
        clock = time.perf_counter()
        msg = self.compose(subscriber, sub, period_end, items)
        body = message_bytes(msg)
        self.report.compose_seconds += time.perf_counter() - clock
        if self.dry_run or claim is None:
            self.report.would_send.append(
                Preview(subscriber.email, sub.id, msg.decoded("Subject"), len(items))
            )
            return
        clock = time.perf_counter()
        outcome = self._delivery().deliver(
            claim, sub.id, subscriber.email, body, [i.paper.id for i in items], self.now
        )
        self.report.send_seconds += time.perf_counter() - clock
        if outcome.state == "sent":
            self.report.sent += 1
        elif outcome.state == "failed":
            self.report.failed += 1
            self.report.errors.append(f"{subscriber.email}: {outcome.error}")
        else:
            self.report.retry += 1
            self.report.errors.append(f"{subscriber.email}: {outcome.error} (will retry)")
            self._server_down = outcome.server_down

    # -- matching --------------------------------------------------------------------------
    @property
    def matcher(self) -> TopicMatcher:
        if self._matcher is None:
            self._matcher = TopicMatcher(
                self.search.engine,
                min_similarity=self.settings.topic_min_similarity,
            )
        return self._matcher

    def _window(self, after: date, through: date) -> _WindowData:
        key = (after, through)
        data = self._windows.get(key)
        if data is None:
            candidates = {c.id: c for c in self.store.deliveries.window_candidates(after, through)}
            data = _WindowData(self.matcher.window(list(candidates)), candidates)
            self._windows[key] = data
            while len(self._windows) > WINDOWS_KEPT:
                self._windows.popitem(last=False)
        else:
            self._windows.move_to_end(key)
        return data

    def matches(self, sub: Subscription, after: date, through: date) -> list[Match]:
        if sub.kind == "collection":
            owner, _, slug = sub.value.partition("/")
            reason = f"added to the collection {quoted(sub.value)}"
            return [
                Match(pid, 0.0, reason)
                for pid in self.store.deliveries.collection_additions(owner, slug, after, through)
            ]
        if sub.kind == FOR_YOU:
            return self._for_you(sub, after, through)
        data = self._window(after, through)
        if sub.kind == "trending":
            if data.trending is None:
                reference = datetime.combine(through + timedelta(days=1), dt_time.min, tzinfo=UTC)
                data.trending = rank_trending(
                    ((c.id, c.feed_day, c.votes) for c in data.candidates.values()),
                    reference,
                    self.settings.trending_gravity,
                )
            return data.trending
        if sub.kind == "author":
            return self.matcher.author(sub.value, data.window)
        if sub.kind == "category":
            return self.matcher.category(sub.value, data.window)
        return self.matcher.topic(sub.value, data.window)

    def _for_you(self, sub: Subscription, after: date, through: date) -> list[Match]:
        """The owner's For-you ranking of the window's papers (the code of the tab, with the
        digest's light profiles: service/recommend.py ``PeriodRanker``); too few signals:
        the window's most upvoted papers, and every item says so."""
        from paperwire.recommend.model import MIN_POSITIVES

        if sub.subscriber_id in self._owners:
            user_id = self._owners[sub.subscriber_id]
        else:
            owner = self.store.subscribers.subscriber(sub.subscriber_id)
            user_id = owner.user_id if owner else None
        user = self.store.people.by_id(user_id) if user_id is not None else None
        if user is None:  # the account was deleted: nothing is anyone else's to rank
            return []
        key = (after, through)
        ranker = self._rankers.get(key)
        if ranker is None:
            ranker = self.recommend.ranker(after + timedelta(days=1), through)
            self._rankers[key] = ranker
            while len(self._rankers) > RANKERS_KEPT:
                self._rankers.popitem(last=False)
        limit = 2 * sub.top_n + 20
        if key not in self._ranked:
            self._ranked[key] = self._rank_page(ranker, key)
        found = self._ranked[key].get(user.id)
        if found is None:  # not among the page's (its owner changed meanwhile)
            found = ranker.for_user(user.id, user.username, limit=limit)
        picks = found.picks[:limit]
        if found.cold:
            reason = (
                f"among the most upvoted: For you ranks by your upvotes and collections once "
                f"you have {MIN_POSITIVES} (you have {found.positives})"
            )
            return [Match(p.paper.id, p.score, reason) for p in picks]
        return [Match(p.paper.id, p.score, "; ".join(p.why) or "ranked for you") for p in picks]

    def _rank_page(self, ranker: PeriodRanker, key: tuple[date, date]) -> dict[int, ForYou]:
        """The For-you rankings of the page's subscriptions due now for the window ``key``,
        made together (their liked papers prefetched in large batches first)."""
        owners: dict[int, int] = {}  # account -> the most papers one of its digests lists
        for subscriber, sub in self._page:
            if sub.kind != FOR_YOU or subscriber.user_id is None:
                continue
            end = periods.due(sub, subscriber.timezone, self.now)
            if end is not None and periods.window(sub, end, self.grace) == key:
                limit = 2 * sub.top_n + 20
                owners[subscriber.user_id] = max(limit, owners.get(subscriber.user_id, 0))
        mine = {user_id: self._liked.get(user_id, {}) for user_id in owners}
        ranker.prefetch(mine)
        users = [(user_id, str(user_id)) for user_id in owners]
        return ranker.for_users(users, limit=max(owners.values(), default=0), liked=mine)

    def items(
        self, sub: Subscription, period_end: date, *, exclude_sent: bool = True
    ) -> list[DigestItem]:
        """The papers the subscription's digest for ``period_end`` carries, best first."""
        after, through = periods.window(sub, period_end, self.grace)
        found = self.matches(sub, after, through)
        if not found:
            return []
        sent: set[str] = set()
        if exclude_sent:
            prefetched = self._sent.pop(sub.id, None)
            if prefetched is not None:
                sent = prefetched
            else:
                sent = self.store.deliveries.sent_since(
                    sub.id, None if sub.kind == "collection" else after
                )
        chosen = [m for m in found if m.paper_id not in sent][: sub.top_n]
        papers = self._papers([m.paper_id for m in chosen])
        live = [m for m in chosen if m.paper_id in papers and not papers[m.paper_id].deleted]
        votes = self._votes([papers[m.paper_id] for m in live], after, through)
        return [DigestItem(papers[m.paper_id], votes[m.paper_id], m.reason) for m in live]

    def _prefetch_sent(self, page: list[tuple[Subscriber, Subscription]]) -> None:
        """What each due subscription of the page already mailed, in one query rather than
        one per subscription (a superset of each window is fine: only matches are looked up)."""
        due = [
            (sub, end)
            for subscriber, sub in page
            if sub.kind != "collection"
            and (end := periods.due(sub, subscriber.timezone, self.now)) is not None
        ]
        if not due:
            self._sent = {}
            return
        earliest = min(periods.window(sub, end, self.grace)[0] for sub, end in due)
        self._sent = self.store.deliveries.sent_for([sub.id for sub, _ in due], earliest)

    def _papers(self, ids: list[str]) -> dict[str, Paper]:
        """Papers by id through a per-run cache: thousands of digests share a day's papers."""
        missing = [i for i in ids if i not in self._paper_cache]
        if missing:
            if len(self._paper_cache) > PAPERS_KEPT:
                self._paper_cache.clear()
            self._paper_cache.update(self.store.papers.get_papers(missing))
        return {i: self._paper_cache[i] for i in ids if i in self._paper_cache}

    def _votes(self, chosen: list[Paper], after: date, through: date) -> dict[str, int]:
        window = self._windows.get((after, through))
        out: dict[str, int] = {}
        missing = []
        for paper in chosen:
            candidate = window.candidates.get(paper.id) if window else None
            if candidate is not None:
                out[paper.id] = candidate.votes
            else:
                missing.append(paper)
        if missing:
            for card in self.cards(missing):
                out[card.paper.id] = card.upvotes
        return out

    # -- compose and deliver ---------------------------------------------------------------
    def compose(
        self, subscriber: Subscriber, sub: Subscription, period_end: date, items: list[DigestItem]
    ) -> Mail:
        return compose_digest(
            to=subscriber.email,
            subscription=sub,
            period=periods.period(sub, period_end, self.grace),
            items=items,
            links=self.notices.digest_links(subscriber, sub),
            mail_from=self.settings.mail_from,
            sent_at=self.now,
        )

    def _connection(self) -> MailConnection:
        return self._delivery().connection

    def _delivery(self) -> Deliverer:
        if self._deliverer is None:
            policy = RetryPolicy(
                base_seconds=self.settings.digest_retry_seconds,
                max_failures=self.settings.digest_max_failures,
            )
            self._deliverer = Deliverer(
                self.store.deliveries,
                self.notices.connection(),
                envelope_sender(self.settings),
                policy,
            )
        return self._deliverer
