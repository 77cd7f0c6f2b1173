"""Subscriptions and e-mail digests: subscribe (double opt-in), confirm, unsubscribe, change
preferences, preview, private RSS, and the digest job.

Visitors never log in for any of this: every action after the subscribe form carries a signed
token from a mail (``digest.tokens``), which proves the person reads that address. The store
checks that a token's subscriber owns the subscription it names (store/digests.py).

Only a confirmation link is ever sent to an address before it is confirmed, and at most
``digest_notices_per_hour`` mails on request reach one address in an hour, so the form cannot
be used to mail someone else's address more than that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from paperwire.digest import periods
from paperwire.digest.mime import Mail
from paperwire.digest.model import (
    ACTIVE,
    FAILING,
    FOR_YOU,
    UNSUBSCRIBED,
    DigestItem,
    FailingAddress,
    Subscriber,
    Subscription,
)
from paperwire.digest.rules import check_address, check_follow, check_schedule
from paperwire.errors import AccountError, NotFoundError, RateLimitedError, TokenError
from paperwire.models import User
from paperwire.service.cards import Cards
from paperwire.service.digest_mail import Notices
from paperwire.service.search import Search
from paperwire.service.views import Clock
from paperwire.settings import Settings
from paperwire.store import Store

if TYPE_CHECKING:
    # Matching and composing pull in numpy, the search indexes and Jinja2: imported where a
    # digest is actually built, so one-shot commands such as `paperwire show` start fast.
    from paperwire.service.digest_run import DigestReport, DigestRun
    from paperwire.service.recommend import Recommend

log = logging.getLogger(__name__)
FEED_DAYS = {"daily": 7, "weekly": 28}
FEED_ITEMS = 50


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    email: str
    about: str
    mailed: bool  # the confirmation mail went out now (else it is queued for the job)


@dataclass(frozen=True, slots=True)
class LinkState:
    """What a confirm or unsubscribe link found: ``state`` is pending, confirmed, already,
    unsubscribed or missing."""

    state: str
    email: str
    about: str
    manage_token: str


@dataclass
class SubscriptionView:
    subscription: Subscription
    about: str
    next_send: datetime | None
    feed_token: str
    unsubscribe_token: str


@dataclass
class Preferences:
    subscriber: Subscriber
    token: str
    subscriptions: list[SubscriptionView] = field(default_factory=list)


@dataclass
class DigestStatus:
    counts: dict[str, int]
    states: dict[str, int]
    failing: list[FailingAddress]


class Digests:
    """Subscriptions, the links from mails, previews, private feeds and the digest job."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        notices: Notices,
        search: Search,
        cards: Cards,
        recommend: Recommend,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.notices = notices
        self.tokens = notices.tokens
        self.search = search
        self.cards = cards
        self.recommend = recommend

    # -- subscribing -----------------------------------------------------------------------
    @property
    def mail_mode(self) -> str:
        """How mail leaves: "smtp", "outbox" or "none"; the subscribe page says which."""
        return self.notices.mode

    def subscribe(
        self,
        email: str,
        kind: str,
        value: str = "",
        *,
        frequency: str = "daily",
        timezone: str = "UTC",
        send_hour: int | None = None,
        top_n: int | None = None,
        user: User | None = None,
    ) -> SubscribeResult:
        """Record a pending subscription and mail its confirmation link. Subscribing again to
        the same thing is harmless: an active one is left as it is (and nothing is mailed), a
        pending one gets its link again."""
        address, key = check_address(email)
        value = check_follow(kind, value)
        hour = self.settings.digest_hour if send_hour is None else send_hour
        count = self.settings.digest_top_n if top_n is None else top_n
        check_schedule(frequency, timezone, hour, count)
        if kind == "collection":
            self._check_collection(value)
        if kind == FOR_YOU:
            _check_own(user, key)
        now = self.clock()
        store = self.store
        subscriber = store.subscribers.get_or_create_subscriber(
            address, key, timezone, user.id if user else None, now
        )
        if kind == FOR_YOU and (user is None or subscriber.user_id != user.id):
            raise AccountError("follow: this address's digests belong to another account")
        sub, _created = store.subscribers.find_or_add_subscription(
            subscriber.id,
            kind=kind,
            value=value,
            frequency=frequency,
            send_hour=hour,
            top_n=count,
            now=now,
        )
        about = sub.describe()
        if sub.status == ACTIVE and subscriber.status == ACTIVE:
            return SubscribeResult(subscriber.email, about, mailed=False)
        if not self.notices.count_notice(subscriber):
            raise RateLimitedError(
                "too many confirmation mails were sent to this address in the last hour; "
                "check the inbox (and the spam folder) for the link, or try again later"
            )
        store.subscribers.set_confirm_due(sub.id, True)
        mailed = self.notices.send_confirmation(subscriber, sub)
        return SubscribeResult(subscriber.email, about, mailed)

    def _check_collection(self, value: str) -> None:
        owner, _, slug = value.partition("/")
        if self.store.community.collection(owner, slug, None) is None:
            raise AccountError(f"collection: there is no public collection {value}")

    def request_manage_link(self, email: str) -> None:
        """Mail the preferences link to an address, if it is subscribed. The caller shows the
        same page either way: whether an address is subscribed is nobody else's business."""
        _, key = check_address(email)
        subscriber = self.store.subscribers.subscriber_by_key(key)
        if subscriber is None or subscriber.status not in (ACTIVE, FAILING):
            return
        if not self.notices.count_notice(subscriber):
            return
        token = self.tokens.manage(subscriber.id, subscriber.email)
        url = f"{self.settings.public_url}/digest/preferences?token={token}"
        stamp = int(self.clock().timestamp())
        self.notices.send_now(
            subscriber,
            self.notices.notice(subscriber, "manage", "", url, f"{subscriber.id}-{stamp}"),
        )

    # -- links from mails ----------------------------------------------------------------------
    def _owner(self, subscriber_id: int, email: str) -> Subscriber:
        subscriber = self.store.subscribers.subscriber(subscriber_id)
        if subscriber is None or subscriber.email != email:
            # Signed by us, but for a subscriber that no longer exists (or changed address).
            raise TokenError("this link belongs to a subscription that no longer exists")
        return subscriber

    def confirm_state(self, token: str) -> LinkState:
        """What the confirmation link would do (for the page with the button)."""
        subscriber_id, email, sub_id = self.tokens.read_confirm(token)
        return self._link_state(subscriber_id, email, sub_id, confirming=True)

    def _link_state(
        self, subscriber_id: int, email: str, sub_id: int, *, confirming: bool
    ) -> LinkState:
        subscriber = self.store.subscribers.subscriber(subscriber_id)
        manage = self.tokens.manage(subscriber_id, email)
        if subscriber is None or subscriber.email != email:
            return LinkState("missing", email, "", manage)
        sub = self.store.subscribers.subscription(subscriber_id, sub_id)
        if sub is None:
            return LinkState("missing", email, "", manage)
        if confirming:
            state = "already" if sub.status == ACTIVE and subscriber.status == ACTIVE else "pending"
        else:
            state = "subscribed"
        return LinkState(state, email, sub.describe(), manage)

    def confirm(self, token: str) -> LinkState:
        """Activate the subscription; clicking twice is harmless (state ``already``)."""
        subscriber_id, email, sub_id = self.tokens.read_confirm(token)
        subscriber = self.store.subscribers.subscriber(subscriber_id)
        sub = self.store.subscribers.subscription(subscriber_id, sub_id)
        if subscriber is None or subscriber.email != email or sub is None:
            return LinkState("missing", email, "", self.tokens.manage(subscriber_id, email))
        # Covered through the latest period already due: the first digest comes at the next
        # send time, not a minute after clicking.
        covered = periods.due_period_end(
            self.clock(), subscriber.timezone, sub.frequency, sub.send_hour
        )
        outcome = self.store.subscribers.confirm(subscriber_id, sub_id, self.clock(), covered)
        state = {"confirmed": "confirmed", "already": "already"}.get(outcome, "missing")
        return LinkState(state, email, sub.describe(), self.tokens.manage(subscriber_id, email))

    def unsubscribe_state(self, token: str) -> LinkState:
        subscriber_id, email, sub_id = self.tokens.read_unsubscribe(token)
        state = self._link_state(subscriber_id, email, sub_id, confirming=False)
        if state.state == "missing":
            return LinkState("unsubscribed", email, "", state.manage_token)
        return state

    def unsubscribe(self, token: str) -> LinkState:
        """One-click unsubscribe of one subscription (RFC 8058). Unknown or already removed:
        state ``unsubscribed`` all the same, and nothing else changes."""
        subscriber_id, email, sub_id = self.tokens.read_unsubscribe(token)
        manage = self.tokens.manage(subscriber_id, email)
        subscriber = self.store.subscribers.subscriber(subscriber_id)
        if subscriber is None or subscriber.email != email:
            return LinkState("unsubscribed", email, "", manage)
        sub = self.store.subscribers.subscription(subscriber_id, sub_id)
        about = sub.describe() if sub else ""
        self.store.subscribers.delete_subscription(subscriber_id, sub_id)
        if not any(
            s.status == ACTIVE for s in self.store.subscribers.subscriptions_of(subscriber_id)
        ):
            self.store.subscribers.unsubscribe_all(subscriber_id)
        return LinkState("unsubscribed", email, about, manage)

    # -- preferences (manage token) --------------------------------------------------------------
    def preferences(self, token: str) -> Preferences:
        subscriber_id, email = self.tokens.read_manage(token)
        subscriber = self._owner(subscriber_id, email)
        now = self.clock()
        prefs = Preferences(subscriber, token)
        for sub in self.store.subscribers.subscriptions_of(subscriber.id):
            live = sub.status == ACTIVE and not sub.paused and subscriber.status == ACTIVE
            prefs.subscriptions.append(
                SubscriptionView(
                    subscription=sub,
                    about=sub.describe(),
                    next_send=periods.next_send(
                        now, subscriber.timezone, sub.frequency, sub.send_hour
                    )
                    if live
                    else None,
                    feed_token=self.tokens.feed(subscriber.id, sub.id),
                    unsubscribe_token=self.tokens.unsubscribe(
                        subscriber.id, subscriber.email, sub.id
                    ),
                )
            )
        return prefs

    def change_subscription(
        self,
        token: str,
        subscription_id: int,
        *,
        frequency: str,
        send_hour: int,
        top_n: int,
        paused: bool,
    ) -> None:
        subscriber_id, email = self.tokens.read_manage(token)
        subscriber = self._owner(subscriber_id, email)
        sub = self.store.subscribers.subscription(subscriber.id, subscription_id)
        if sub is None:
            raise NotFoundError("that subscription is not one of this address's")
        check_schedule(frequency, subscriber.timezone, send_hour, top_n)
        values: dict[str, Any] = {
            "frequency": frequency,
            "send_hour": send_hour,
            "top_n": top_n,
            "paused": paused,
        }
        if (sub.paused and not paused) or frequency != sub.frequency:
            # Resuming (or changing the rhythm) starts from the latest period due, rather
            # than mailing everything that happened while paused.
            values["covered_through"] = periods.due_period_end(
                self.clock(), subscriber.timezone, frequency, send_hour
            )
        self.store.subscribers.update_subscription(subscriber.id, subscription_id, **values)

    def delete_subscription(self, token: str, subscription_id: int) -> None:
        subscriber_id, email = self.tokens.read_manage(token)
        subscriber = self._owner(subscriber_id, email)
        if not self.store.subscribers.delete_subscription(subscriber.id, subscription_id):
            raise NotFoundError("that subscription is not one of this address's")

    def add_subscription(
        self,
        token: str,
        kind: str,
        value: str,
        *,
        frequency: str,
        send_hour: int,
        top_n: int | None = None,
    ) -> Subscription:
        """From the preferences page: the token proves the address, so no confirmation."""
        subscriber_id, email = self.tokens.read_manage(token)
        subscriber = self._owner(subscriber_id, email)
        value = check_follow(kind, value)
        count = self.settings.digest_top_n if top_n is None else top_n
        check_schedule(frequency, subscriber.timezone, send_hour, count)
        if kind == "collection":
            self._check_collection(value)
        if kind == FOR_YOU and subscriber.user_id is None:
            raise AccountError(
                "follow: For you is an account's own ranking; sign in and subscribe from the "
                "For you page"
            )
        covered = periods.due_period_end(self.clock(), subscriber.timezone, frequency, send_hour)
        sub, _ = self.store.subscribers.find_or_add_subscription(
            subscriber.id,
            kind=kind,
            value=value,
            frequency=frequency,
            send_hour=send_hour,
            top_n=count,
            now=self.clock(),
            active_from=covered,
        )
        return sub

    def set_digest_timezone(self, token: str, timezone: str) -> None:
        subscriber_id, email = self.tokens.read_manage(token)
        subscriber = self._owner(subscriber_id, email)
        if not periods.valid_zone(timezone):
            raise AccountError("time zone: choose one from the list, such as Europe/Paris or UTC")
        self.store.subscribers.set_timezone(subscriber.id, timezone)

    def unsubscribe_everything(self, token: str) -> None:
        subscriber_id, email = self.tokens.read_manage(token)
        subscriber = self._owner(subscriber_id, email)
        self.store.subscribers.unsubscribe_all(subscriber.id)

    # -- reading a digest without mail -----------------------------------------------------------
    def _run(
        self,
        now: datetime | None = None,
        *,
        dry_run: bool = True,
        only: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> DigestRun:
        from paperwire.service.digest_run import DigestRun

        return DigestRun(
            self.store,
            self.settings,
            self.notices,
            self.search,
            self.cards,
            self.recommend,
            now or self.clock(),
            dry_run=dry_run,
            only=only,
            progress=progress,
        )

    def preview(self, subscription_id: int, token: str | None = None) -> Mail:
        """The digest the subscription would get for the latest complete period, now (with a
        manage token for visitors; without one for the operator's command line)."""
        if token is not None:
            subscriber_id, email = self.tokens.read_manage(token)
            subscriber = self._owner(subscriber_id, email)
            sub = self.store.subscribers.subscription(subscriber.id, subscription_id)
            if sub is None:
                raise NotFoundError("that subscription is not one of this address's")
        else:
            found = self.store.subscribers.subscription_by_id(subscription_id)
            if found is None:
                raise NotFoundError(f"no subscription {subscription_id}")
            subscriber, sub = found
        run = self._run()
        period_end = self._latest_day(subscriber, sub)
        items = run.items(sub, period_end)
        return run.compose(subscriber, sub, period_end, items)

    def _latest_day(self, subscriber: Subscriber, sub: Subscription) -> date:
        local = self.clock().astimezone(periods.zone(subscriber.timezone)).date()
        return local - timedelta(days=1)

    def subscription_feed(self, token: str) -> tuple[Subscription, list[DigestItem]]:
        """What a subscription matches over its recent days, for its private RSS feed (no
        delivery log involved: a feed reader may poll as often as it likes)."""
        subscriber_id, sub_id = self.tokens.read_feed(token)
        subscriber = self.store.subscribers.subscriber(subscriber_id)
        sub = self.store.subscribers.subscription(subscriber_id, sub_id) if subscriber else None
        if subscriber is None or sub is None or subscriber.status == UNSUBSCRIBED:
            raise NotFoundError("this feed no longer exists (the subscription was removed)")
        end = self._latest_day(subscriber, sub)
        days = FEED_DAYS.get(sub.frequency, 7)
        recent = Subscription(
            **{**_fields(sub), "covered_through": end - timedelta(days=days), "top_n": FEED_ITEMS}
        )
        run = self._run()
        run.grace = 0
        return sub, run.items(recent, end, exclude_sent=False)

    # -- the job -----------------------------------------------------------------------------
    def run_digests(
        self,
        now: datetime | None = None,
        *,
        dry_run: bool = False,
        only: str | None = None,
        progress: Callable[[int], None] | None = None,
        lock_wait: float = 0.0,
    ) -> DigestReport:
        """Send every digest due at ``now`` (default: the clock). Idempotent: run it as often
        as you like; a period is mailed once."""
        key = check_address(only)[1] if only else None
        return self._run(now, dry_run=dry_run, only=key, progress=progress).run(lock_wait)

    def digest_status(self, since_days: int = 14) -> DigestStatus:
        store = self.store
        return DigestStatus(
            counts=store.subscribers.counts(),
            states=store.deliveries.state_counts(self.clock().date() - timedelta(days=since_days)),
            failing=store.subscribers.failing_addresses(),
        )


def _check_own(user: User | None, key: str) -> None:
    """A For-you digest is its account's own: asked for signed in, to the account's address."""
    if user is None:
        raise AccountError("follow: sign in to get your own For you digest")
    if not user.email or check_address(user.email)[1] != key:
        raise AccountError(
            "e-mail: the For you digest goes to your account's address "
            "(set one on your account page first)"
        )


def _fields(sub: Subscription) -> dict[str, Any]:
    return {name: getattr(sub, name) for name in Subscription.__slots__}
