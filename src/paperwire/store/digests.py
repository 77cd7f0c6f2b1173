"""Subscribers, subscriptions and the digest delivery log.

SQL helpers without business logic: the service decides what is due and what a digest holds;
these functions record it. Every call that acts for a subscriber takes the subscriber's id and
checks ownership in the SQL (``WHERE id = ? AND subscriber_id = ?``), so a signed link for one
address can never touch another's subscriptions.

Delivery log states (one row per subscription and period, unique):
``claimed`` (about to be sent, or a run died while sending it) -> ``sending`` (the whole message
but the final dot went out; its papers are recorded) -> ``sent``; or ``retry`` (a temporary
failure; again after ``next_attempt_at``), ``failed`` (refused for good), ``empty`` (nothing to
send), ``superseded`` (a newer period's digest took over the papers of one never sent).
See ``paperwire.digest.deliver`` for why this order makes delivery exactly-once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from paperwire.store.rows import as_date, as_datetime, utc

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from paperwire.store import Store

KINDS = ("trending", "topic", "author", "category", "collection")
FREQUENCIES = ("daily", "weekly")
# Subscriber states. Only "active" subscribers are mailed digests; "pending" ones get nothing but
# confirmation mails (double opt-in); "failing" ones bounced too often.
PENDING, ACTIVE, UNSUBSCRIBED, FAILING = "pending", "active", "unsubscribed", "failing"


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    status: str
    failures: int
    last_error: str | None
    timezone: str
    user_id: int | None
    created_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    subscriber_id: int
    kind: str
    value: str
    frequency: str
    send_hour: int
    top_n: int
    status: str  # pending | active
    paused: bool
    covered_through: date | None
    last_sent_through: date | None
    created_at: datetime
    confirmed_at: datetime | None = None

    def describe(self) -> str:
        """What it follows, in words (subjects, pages and feeds show it)."""
        return describe(self.kind, self.value)


def describe(kind: str, value: str) -> str:
    if kind == "trending":
        return "Trending papers"
    if kind == "topic":
        return f"Papers about “{value}”"
    if kind == "author":
        return f"Papers by {value}"
    if kind == "category":
        return f"New papers in {value}"
    return f"Papers added to the collection {value}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper of a period's window, as light as matching needs it."""

    id: str
    feed_day: date
    votes: int  # the source's upvotes plus this site's votes


UNFINISHED = ("claimed", "retry")
DONE = ("sending", "sent", "empty", "failed")


def _subscriber(row: Any) -> Subscriber:
    return Subscriber(
        id=int(row.id),
        email=row.email,
        status=row.status,
        failures=int(row.failures),
        last_error=row.last_error,
        timezone=row.timezone,
        user_id=row.user_id,
        created_at=utc(row.created_at),
        confirmed_at=as_datetime(row.confirmed_at),
    )


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=int(row.id),
        subscriber_id=int(row.subscriber_id),
        kind=row.kind,
        value=row.value,
        frequency=row.frequency,
        send_hour=int(row.send_hour),
        top_n=int(row.top_n),
        status=row.status,
        paused=bool(row.paused),
        covered_through=as_date(row.covered_through),
        last_sent_through=as_date(row.last_sent_through),
        created_at=utc(row.created_at),
        confirmed_at=as_datetime(row.confirmed_at),
    )


def _insert(conn: Connection, table: Any) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return (sqlite if conn.dialect.name == "sqlite" else postgresql).insert(table)


@dataclass(frozen=True, slots=True)
class Claim:
    delivery_id: int
    attempts: int  # including this one


@dataclass(frozen=True, slots=True)
class FailingAddress:
    email: str
    failures: int
    last_error: str | None
    status: str


class Digests:
    def __init__(self, store: Store) -> None:
        self._store = store

    # -- subscribers ---------------------------------------------------------------------
    def get_or_create_subscriber(
        self, email: str, email_key: str, timezone: str, user_id: int | None, now: datetime
    ) -> Subscriber:
        """The subscriber with this address, created ``pending`` if new. An existing one keeps
        its status and time zone: only a confirmed link may change them."""
        from sqlalchemy import select, update

        from paperwire.store.schema import subscribers as t

        with self._store._connect(write=True) as conn:
            conn.execute(
                _insert(conn, t)
                .values(
                    email=email,
                    email_key=email_key,
                    user_id=user_id,
                    status=PENDING,
                    failures=0,
                    timezone=timezone,
                    created_at=now,
                    notice_count=0,
                )
                .on_conflict_do_nothing(index_elements=["email_key"])
            )
            if user_id is not None:
                conn.execute(
                    update(t)
                    .where(t.c.email_key == email_key, t.c.user_id.is_(None))
                    .values(user_id=user_id)
                )
            row = conn.execute(select(t).where(t.c.email_key == email_key)).one()
        return _subscriber(row)

    def subscriber(self, subscriber_id: int) -> Subscriber | None:
        from sqlalchemy import select

        from paperwire.store.schema import subscribers as t

        with self._store._connect() as conn:
            row = conn.execute(select(t).where(t.c.id == subscriber_id)).one_or_none()
        return None if row is None else _subscriber(row)

    def subscriber_by_key(self, email_key: str) -> Subscriber | None:
        from sqlalchemy import select

        from paperwire.store.schema import subscribers as t

        with self._store._connect() as conn:
            row = conn.execute(select(t).where(t.c.email_key == email_key)).one_or_none()
        return None if row is None else _subscriber(row)

    def count_notice(
        self, subscriber_id: int, now: datetime, limit: int, window: timedelta
    ) -> bool:
        """Count one mail sent to the address on request; False (and nothing counted) when
        ``limit`` were already sent within ``window``."""
        from sqlalchemy import select, update

        from paperwire.store.schema import subscribers as t

        with self._store._connect(write=True) as conn:
            row = conn.execute(
                select(t.c.notice_window_at, t.c.notice_count).where(t.c.id == subscriber_id)
            ).one_or_none()
            if row is None:
                return False
            started = as_datetime(row.notice_window_at)
            if started is None or now - started >= window:
                conn.execute(
                    update(t)
                    .where(t.c.id == subscriber_id)
                    .values(notice_window_at=now, notice_count=1)
                )
                return True
            if int(row.notice_count) >= limit:
                return False
            conn.execute(
                update(t).where(t.c.id == subscriber_id).values(notice_count=t.c.notice_count + 1)
            )
            return True

    def set_timezone(self, subscriber_id: int, timezone: str) -> None:
        from sqlalchemy import update

        from paperwire.store.schema import subscribers as t

        with self._store._connect(write=True) as conn:
            conn.execute(update(t).where(t.c.id == subscriber_id).values(timezone=timezone))

    def unsubscribe_all(self, subscriber_id: int) -> None:
        """Stop every digest to the address; its subscriptions go (a new one needs a new
        confirmation)."""
        from sqlalchemy import delete, update

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._store._connect(write=True) as conn:
            conn.execute(delete(s).where(s.c.subscriber_id == subscriber_id))
            conn.execute(update(t).where(t.c.id == subscriber_id).values(status=UNSUBSCRIBED))

    # -- subscriptions -------------------------------------------------------------------
    def find_or_add_subscription(
        self,
        subscriber_id: int,
        *,
        kind: str,
        value: str,
        frequency: str,
        send_hour: int,
        top_n: int,
        now: datetime,
        active_from: date | None = None,
    ) -> tuple[Subscription, bool]:
        """The subscriber's subscription to the same thing at the same frequency, or a new one
        (``pending``, its confirmation mail due; or ``active`` covering through ``active_from``
        when the caller already proved the address). Returns (subscription, created)."""
        from sqlalchemy import func, insert, select

        from paperwire.store.schema import subscriptions as s

        with self._store._connect(write=True) as conn:
            row = conn.execute(
                select(s).where(
                    s.c.subscriber_id == subscriber_id,
                    s.c.kind == kind,
                    func.lower(s.c.value) == value.lower(),
                    s.c.frequency == frequency,
                )
            ).first()
            if row is not None:
                return _subscription(row), False
            active = active_from is not None
            new_id = conn.execute(
                insert(s)
                .values(
                    subscriber_id=subscriber_id,
                    kind=kind,
                    value=value,
                    frequency=frequency,
                    send_hour=send_hour,
                    top_n=top_n,
                    status=ACTIVE if active else PENDING,
                    paused=False,
                    confirm_due=not active,
                    covered_through=active_from,
                    created_at=now,
                    confirmed_at=now if active else None,
                )
                .returning(s.c.id)
            ).scalar_one()
            created = conn.execute(select(s).where(s.c.id == new_id)).one()
        return _subscription(created), True

    def subscription(self, subscriber_id: int, subscription_id: int) -> Subscription | None:
        from sqlalchemy import select

        from paperwire.store.schema import subscriptions as s

        with self._store._connect() as conn:
            row = conn.execute(
                select(s).where(s.c.id == subscription_id, s.c.subscriber_id == subscriber_id)
            ).one_or_none()
        return None if row is None else _subscription(row)

    def subscription_by_id(self, subscription_id: int) -> tuple[Subscriber, Subscription] | None:
        """For the operator's tools (preview from the command line), not for visitors."""
        from sqlalchemy import select

        from paperwire.store.schema import subscriptions as s

        with self._store._connect() as conn:
            owner = conn.execute(
                select(s.c.subscriber_id).where(s.c.id == subscription_id)
            ).scalar_one_or_none()
        if owner is None:
            return None
        subscriber = self.subscriber(int(owner))
        sub = self.subscription(int(owner), subscription_id)
        return None if subscriber is None or sub is None else (subscriber, sub)

    def subscriptions_of(self, subscriber_id: int) -> list[Subscription]:
        from sqlalchemy import select

        from paperwire.store.schema import subscriptions as s

        with self._store._connect() as conn:
            rows = conn.execute(
                select(s).where(s.c.subscriber_id == subscriber_id).order_by(s.c.id)
            )
            return [_subscription(r) for r in rows]

    def confirm(
        self, subscriber_id: int, subscription_id: int, now: datetime, covered_through: date
    ) -> str:
        """Activate a pending subscription and its subscriber: ``"confirmed"``, ``"already"``
        (clicked before) or ``"missing"`` (deleted since)."""
        from sqlalchemy import select, update

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._store._connect(write=True) as conn:
            status = conn.execute(
                select(s.c.status).where(
                    s.c.id == subscription_id, s.c.subscriber_id == subscriber_id
                )
            ).scalar_one_or_none()
            if status is None:
                return "missing"
            if status == ACTIVE:
                return "already"
            conn.execute(
                update(s)
                .where(s.c.id == subscription_id, s.c.subscriber_id == subscriber_id)
                .values(
                    status=ACTIVE,
                    confirm_due=False,
                    confirmed_at=now,
                    covered_through=covered_through,
                )
            )
            # Clicking a link that reached the address proves it works again: a failing or
            # unsubscribed address becomes active with a clean slate.
            conn.execute(
                update(t)
                .where(t.c.id == subscriber_id)
                .values(status=ACTIVE, failures=0, last_error=None, confirmed_at=now)
            )
            return "confirmed"

    def update_subscription(self, subscriber_id: int, subscription_id: int, **values: Any) -> bool:
        from sqlalchemy import update

        from paperwire.store.schema import subscriptions as s

        allowed = {"frequency", "send_hour", "top_n", "paused", "covered_through"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
        with self._store._connect(write=True) as conn:
            return bool(
                conn.execute(
                    update(s)
                    .where(s.c.id == subscription_id, s.c.subscriber_id == subscriber_id)
                    .values(**values)
                ).rowcount
            )

    def delete_subscription(self, subscriber_id: int, subscription_id: int) -> bool:
        from sqlalchemy import delete

        from paperwire.store.schema import subscriptions as s

        with self._store._connect(write=True) as conn:
            return bool(
                conn.execute(
                    delete(s).where(s.c.id == subscription_id, s.c.subscriber_id == subscriber_id)
                ).rowcount
            )

    def set_confirm_due(self, subscription_id: int, due: bool) -> None:
        from sqlalchemy import update

        from paperwire.store.schema import subscriptions as s

        with self._store._connect(write=True) as conn:
            conn.execute(update(s).where(s.c.id == subscription_id).values(confirm_due=due))

    def confirmations_due(self, limit: int = 500) -> list[tuple[Subscriber, Subscription]]:
        from sqlalchemy import select

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._store._connect() as conn:
            ids = conn.execute(
                select(s.c.subscriber_id, s.c.id)
                .where(s.c.confirm_due.is_(True), s.c.status == PENDING)
                .order_by(s.c.id)
                .limit(limit)
            ).all()
            out = []
            for subscriber_id, sub_id in ids:
                a = conn.execute(select(t).where(t.c.id == subscriber_id)).one()
                b = conn.execute(select(s).where(s.c.id == sub_id)).one()
                out.append((_subscriber(a), _subscription(b)))
        return out

    def active_subscriptions(
        self, after_id: int, limit: int, email_key: str | None = None
    ) -> list[tuple[Subscriber, Subscription]]:
        """Confirmed, unpaused subscriptions of active subscribers, in id order after
        ``after_id`` (keyset pages: memory stays flat in the number of subscriptions)."""
        from sqlalchemy import select

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        query = (
            select(t, s)
            .join(s, s.c.subscriber_id == t.c.id)
            .where(
                s.c.id > after_id,
                s.c.status == ACTIVE,
                s.c.paused.is_(False),
                t.c.status == ACTIVE,
            )
            .order_by(s.c.id)
            .limit(limit)
        )
        if email_key is not None:
            query = query.where(t.c.email_key == email_key)
        with self._store._connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for row in rows:
            values = row._mapping
            subscriber = _subscriber(_Cols(values, t.columns, t.name))
            sub = _subscription(_Cols(values, s.columns, s.name))
            out.append((subscriber, sub))
        return out

    # -- what to send ----------------------------------------------------------------------
    def window_candidates(self, after: date, through: date) -> list[Candidate]:
        """Live papers whose feed day is in ``(after, through]`` with their votes."""
        from sqlalchemy import func, select

        from paperwire.store.schema import papers, votes

        counted = (
            select(votes.c.paper_id, func.count().label("n")).group_by(votes.c.paper_id).subquery()
        )
        query = (
            select(
                papers.c.id,
                papers.c.feed_day,
                func.coalesce(papers.c.upvotes, 0) + func.coalesce(counted.c.n, 0),
            )
            .outerjoin(counted, counted.c.paper_id == papers.c.id)
            .where(
                papers.c.deleted.is_(False),
                papers.c.feed_day > after,
                papers.c.feed_day <= through,
            )
            .order_by(papers.c.id)
        )
        with self._store._connect() as conn:
            return [
                Candidate(pid, as_date(day) or through, int(n))
                for pid, day, n in conn.execute(query)
            ]

    def collection_additions(self, owner: str, slug: str, after: date, through: date) -> list[str]:
        """Papers added to a *public* collection in ``(after, through]`` (UTC days), oldest
        first; none when it is private or gone."""
        from sqlalchemy import func, select

        from paperwire.store.schema import collection_items, collections, users

        start = datetime.combine(after + timedelta(days=1), datetime.min.time())
        end = datetime.combine(through + timedelta(days=1), datetime.min.time())
        query = (
            select(collection_items.c.paper_id)
            .join(collections, collections.c.id == collection_items.c.collection_id)
            .join(users, users.c.id == collections.c.user_id)
            .where(
                func.lower(users.c.username) == owner.lower(),
                collections.c.slug == slug,
                collections.c.public.is_(True),
                collection_items.c.added_at >= start,
                collection_items.c.added_at < end,
            )
            .order_by(collection_items.c.added_at, collection_items.c.paper_id)
        )
        with self._store._connect() as conn:
            return [r[0] for r in conn.execute(query)]

    def sent_ids(self, subscription_id: int, candidate_ids: Iterable[str]) -> set[str]:
        """Which of these papers the subscription has already mailed."""
        from sqlalchemy import select

        from paperwire.store.schema import digest_items as d

        ids = list(candidate_ids)
        found: set[str] = set()
        with self._store._connect() as conn:
            for start in range(0, len(ids), 900):
                found.update(
                    r[0]
                    for r in conn.execute(
                        select(d.c.paper_id).where(
                            d.c.subscription_id == subscription_id,
                            d.c.paper_id.in_(ids[start : start + 900]),
                        )
                    )
                )
        return found

    def sent_since(self, subscription_id: int, after: date | None) -> set[str]:
        """Papers mailed by the subscription's digests for periods ending after ``after`` (all
        of them when None). A paper of feed day D can only have gone out in a digest whose
        period ends on D or later, so this is every paper of a window ``(after, ...]`` that was
        mailed, in one small query of a fixed shape."""
        from sqlalchemy import select

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import digest_items as items

        query = (
            select(items.c.paper_id)
            .select_from(d)
            .join(items, items.c.delivery_id == d.c.id)
            .where(d.c.subscription_id == subscription_id)
        )
        if after is not None:
            query = query.where(d.c.period_end > after)
        with self._store._connect() as conn:
            return {r[0] for r in conn.execute(query)}

    def sent_for(self, subscription_ids: Sequence[int], after: date) -> dict[int, set[str]]:
        """``sent_since`` for a page of subscriptions in one query."""
        from sqlalchemy import select

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import digest_items as items

        found: dict[int, set[str]] = {sid: set() for sid in subscription_ids}
        with self._store._connect() as conn:
            for start in range(0, len(subscription_ids), 900):
                rows = conn.execute(
                    select(d.c.subscription_id, items.c.paper_id)
                    .select_from(d)
                    .join(items, items.c.delivery_id == d.c.id)
                    .where(
                        d.c.subscription_id.in_(list(subscription_ids[start : start + 900])),
                        d.c.period_end > after,
                    )
                )
                for sid, pid in rows:
                    found[int(sid)].add(pid)
        return found

    # -- the delivery log ------------------------------------------------------------------
    def delivery_state(self, subscription_id: int, period_end: date) -> str | None:
        from sqlalchemy import select

        from paperwire.store.schema import deliveries as d

        with self._store._connect() as conn:
            value = conn.execute(
                select(d.c.state).where(
                    d.c.subscription_id == subscription_id, d.c.period_end == period_end
                )
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def claim(
        self, subscription_id: int, period_end: date, now: datetime, message_id: str
    ) -> Claim | None:
        """Take (subscription, period) for sending, committed before anything goes out.

        A new row, or an unfinished one: ``claimed`` (a run died before the final dot, so the
        server dropped that transaction) or ``retry`` whose wait is over. None when the period
        is done (sent, sending, empty, failed) or still waiting to retry. Older unfinished
        periods of the subscription are superseded: this digest's window covers their papers.
        """
        from sqlalchemy import select, update

        from paperwire.store.schema import deliveries as d

        with self._store._connect(write=True) as conn:
            row = conn.execute(
                select(d.c.id, d.c.state, d.c.attempts, d.c.next_attempt_at).where(
                    d.c.subscription_id == subscription_id, d.c.period_end == period_end
                )
            ).one_or_none()
            if row is None:
                conn.execute(
                    update(d)
                    .where(
                        d.c.subscription_id == subscription_id,
                        d.c.period_end < period_end,
                        d.c.state.in_(UNFINISHED),
                    )
                    .values(state="superseded", finished_at=now)
                )
                new_id = conn.execute(
                    _insert(conn, d)
                    .values(
                        subscription_id=subscription_id,
                        period_end=period_end,
                        state="claimed",
                        attempts=1,
                        message_id=message_id,
                        items=0,
                        claimed_at=now,
                    )
                    .returning(d.c.id)
                ).scalar_one()
                return Claim(int(new_id), 1)
            waiting = as_datetime(row.next_attempt_at)
            if row.state == "claimed" or (
                row.state == "retry" and (waiting is None or waiting <= now)
            ):
                conn.execute(
                    update(d)
                    .where(d.c.id == row.id)
                    .values(state="claimed", attempts=d.c.attempts + 1, claimed_at=now)
                )
                return Claim(int(row.id), int(row.attempts) + 1)
            return None

    def record_empty(self, subscription_id: int, period_end: date, now: datetime) -> bool:
        """Nothing to send for the period: say so in the log and move the subscription on.
        False when the period was already done by someone else."""
        from sqlalchemy import select, update

        from paperwire.store.schema import deliveries as d

        with self._store._connect(write=True) as conn:
            state = conn.execute(
                select(d.c.state).where(
                    d.c.subscription_id == subscription_id, d.c.period_end == period_end
                )
            ).scalar_one_or_none()
            if state in DONE:
                return False
            if state is None:
                conn.execute(
                    _insert(conn, d).values(
                        subscription_id=subscription_id,
                        period_end=period_end,
                        state="empty",
                        attempts=0,
                        items=0,
                        claimed_at=now,
                        finished_at=now,
                    )
                )
            else:
                conn.execute(
                    update(d)
                    .where(d.c.subscription_id == subscription_id, d.c.period_end == period_end)
                    .values(state="empty", items=0, finished_at=now, error=None)
                )
            self._advance(conn, subscription_id, period_end, sent=False)
            return True

    def mark_sending(
        self, delivery_id: int, subscription_id: int, paper_ids: Sequence[str]
    ) -> None:
        """The message is out but for its final dot: record its papers with the state, so a
        run that dies now never mails them again (see deliver.py)."""
        from sqlalchemy import update

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import digest_items as items

        with self._store._connect(write=True) as conn:
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id, d.c.state == "claimed")
                .values(state="sending", items=len(paper_ids))
            )
            if paper_ids:
                conn.execute(
                    _insert(conn, items).on_conflict_do_nothing(
                        index_elements=["subscription_id", "paper_id"]
                    ),
                    [
                        {
                            "subscription_id": subscription_id,
                            "paper_id": pid,
                            "delivery_id": delivery_id,
                        }
                        for pid in paper_ids
                    ],
                )

    def unsend(self, delivery_id: int) -> None:
        """The server deferred the message at its final dot (4xx): back to ``claimed``, its
        papers forgotten, to be tried again."""
        from sqlalchemy import delete, update

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import digest_items as items

        with self._store._connect(write=True) as conn:
            conn.execute(delete(items).where(items.c.delivery_id == delivery_id))
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id, d.c.state == "sending")
                .values(state="claimed", items=0)
            )

    def mark_sent(self, delivery_id: int, now: datetime, note: str | None = None) -> None:
        from sqlalchemy import select, update

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._store._connect(write=True) as conn:
            row = conn.execute(
                select(d.c.subscription_id, d.c.period_end).where(d.c.id == delivery_id)
            ).one()
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id)
                .values(state="sent", finished_at=now, error=note, next_attempt_at=None)
            )
            self._advance(conn, int(row.subscription_id), as_date(row.period_end), sent=True)
            owner = select(s.c.subscriber_id).where(s.c.id == row.subscription_id)
            # Consecutive failures are what count: a delivered digest clears them.
            conn.execute(
                update(t)
                .where(t.c.id.in_(owner.scalar_subquery()), t.c.failures > 0)
                .values(failures=0)
            )

    def resolve_sending(self, now: datetime) -> int:
        """After a crash: rows left ``sending`` count as sent (their final dot almost surely
        went out; see deliver.py). Returns how many."""
        from sqlalchemy import select

        from paperwire.store.schema import deliveries as d

        with self._store._connect() as conn:
            ids = [r[0] for r in conn.execute(select(d.c.id).where(d.c.state == "sending"))]
        for delivery_id in ids:
            self.mark_sent(delivery_id, now, "run stopped after the message was sent; kept as sent")
        return len(ids)

    def mark_retry(
        self, delivery_id: int, now: datetime, next_attempt_at: datetime, error: str
    ) -> None:
        """A temporary failure: forget the papers recorded for this message (it did not go)."""
        from sqlalchemy import delete, update

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import digest_items as items

        with self._store._connect(write=True) as conn:
            conn.execute(delete(items).where(items.c.delivery_id == delivery_id))
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id)
                .values(
                    state="retry",
                    items=0,
                    error=error[:1000],
                    next_attempt_at=next_attempt_at,
                    finished_at=now,
                )
            )

    def mark_failed(
        self, delivery_id: int, now: datetime, error: str, max_failures: int
    ) -> Subscriber:
        """Refused for good (5xx): the period is over for this subscription, and the address
        counts one more failure; at ``max_failures`` it is marked failing and mailed no more."""
        from sqlalchemy import delete, select, update

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import digest_items as items
        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._store._connect(write=True) as conn:
            row = conn.execute(
                select(d.c.subscription_id, d.c.period_end, s.c.subscriber_id)
                .join(s, s.c.id == d.c.subscription_id)
                .where(d.c.id == delivery_id)
            ).one()
            conn.execute(delete(items).where(items.c.delivery_id == delivery_id))
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id)
                .values(state="failed", items=0, error=error[:1000], finished_at=now)
            )
            self._advance(conn, int(row.subscription_id), as_date(row.period_end), sent=False)
            conn.execute(
                update(t)
                .where(t.c.id == row.subscriber_id)
                .values(failures=t.c.failures + 1, last_error=error[:1000])
            )
            conn.execute(
                update(t)
                .where(
                    t.c.id == row.subscriber_id,
                    t.c.failures >= max_failures,
                    t.c.status == ACTIVE,
                )
                .values(status=FAILING)
            )
            found = conn.execute(select(t).where(t.c.id == row.subscriber_id)).one()
        return _subscriber(found)

    def _advance(
        self, conn: Connection, subscription_id: int, period_end: date | None, *, sent: bool
    ) -> None:
        from sqlalchemy import or_, update

        from paperwire.store.schema import subscriptions as s

        if period_end is None:
            return
        conn.execute(
            update(s)
            .where(
                s.c.id == subscription_id,
                or_(s.c.covered_through.is_(None), s.c.covered_through < period_end),
            )
            .values(covered_through=period_end)
        )
        if sent:
            conn.execute(
                update(s)
                .where(
                    s.c.id == subscription_id,
                    or_(s.c.last_sent_through.is_(None), s.c.last_sent_through < period_end),
                )
                .values(last_sent_through=period_end)
            )

    # -- for the operator ------------------------------------------------------------------
    def state_counts(self, since: date) -> dict[str, int]:
        from sqlalchemy import func, select

        from paperwire.store.schema import deliveries as d

        with self._store._connect() as conn:
            rows = conn.execute(
                select(d.c.state, func.count()).where(d.c.period_end >= since).group_by(d.c.state)
            )
            return {str(state): int(n) for state, n in rows}

    def failing_addresses(self) -> list[FailingAddress]:
        from sqlalchemy import or_, select

        from paperwire.store.schema import subscribers as t

        with self._store._connect() as conn:
            rows = conn.execute(
                select(t.c.email, t.c.failures, t.c.last_error, t.c.status)
                .where(or_(t.c.status == FAILING, t.c.failures > 0))
                .order_by(t.c.failures.desc(), t.c.email)
            )
            return [FailingAddress(r.email, int(r.failures), r.last_error, r.status) for r in rows]

    def counts(self) -> dict[str, int]:
        from sqlalchemy import func, select

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._store._connect() as conn:
            out = {
                f"subscribers {status}": int(n)
                for status, n in conn.execute(select(t.c.status, func.count()).group_by(t.c.status))
            }
            for status, n in conn.execute(select(s.c.status, func.count()).group_by(s.c.status)):
                out[f"subscriptions {status}"] = int(n)
        return out


class _Cols:
    """Attribute access to one table's columns of a joined row (both tables have ``id``)."""

    def __init__(self, mapping: Any, columns: Any, _name: str) -> None:
        for column in columns:
            setattr(self, column.name, mapping[column])
