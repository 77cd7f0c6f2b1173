"""Subscribers and their subscriptions.

SQL without business logic: the service decides who is due and what a digest holds; this
records it. Every call that acts for a subscriber takes the subscriber's id and checks
ownership in the SQL (``WHERE id = ? AND subscriber_id = ?``), so a signed link for one address
can never touch another's subscriptions. No write here takes the ordering lock (see ``base``):
read-then-write paths lock the subscriber's row (``FOR UPDATE``; SQLite serialises writers).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from paperwire.digest.model import (
    ACTIVE,
    FAILING,
    PENDING,
    UNSUBSCRIBED,
    FailingAddress,
    Subscriber,
    Subscription,
)
from paperwire.store.base import Database, dialect_insert
from paperwire.store.rows import as_date, as_datetime, utc


def to_subscriber(row: Any) -> Subscriber:
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


def to_subscription(row: Any) -> Subscription:
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


def _lock_subscriber(conn: Any, subscriber_id: int) -> None:
    """Serialise this transaction with others acting for the same subscriber (PostgreSQL;
    SQLite allows one writer at a time anyway)."""
    from sqlalchemy import select

    from paperwire.store.schema import subscribers as t

    conn.execute(select(t.c.id).where(t.c.id == subscriber_id).with_for_update())


class Subscribers:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get_or_create_subscriber(
        self, email: str, email_key: str, timezone: str, user_id: int | None, now: datetime
    ) -> Subscriber:
        """The subscriber with this address, created ``pending`` if new. An existing one keeps
        its status and time zone: only a confirmed link may change them."""
        from sqlalchemy import select, update

        from paperwire.store.schema import subscribers as t

        with self._db.write() as conn:
            conn.execute(
                dialect_insert(conn, t)
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
        return to_subscriber(row)

    def subscriber(self, subscriber_id: int) -> Subscriber | None:
        from sqlalchemy import select

        from paperwire.store.schema import subscribers as t

        with self._db.read() as conn:
            row = conn.execute(select(t).where(t.c.id == subscriber_id)).one_or_none()
        return None if row is None else to_subscriber(row)

    def subscriber_by_key(self, email_key: str) -> Subscriber | None:
        from sqlalchemy import select

        from paperwire.store.schema import subscribers as t

        with self._db.read() as conn:
            row = conn.execute(select(t).where(t.c.email_key == email_key)).one_or_none()
        return None if row is None else to_subscriber(row)

    def count_notice(
        self, subscriber_id: int, now: datetime, limit: int, window: timedelta
    ) -> bool:
        """Count one mail sent to the address on request; False (and nothing counted) when
        ``limit`` were already sent within ``window``."""
        from sqlalchemy import select, update

        from paperwire.store.schema import subscribers as t

        with self._db.write() as conn:
            row = conn.execute(
                select(t.c.notice_window_at, t.c.notice_count)
                .where(t.c.id == subscriber_id)
                .with_for_update()
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

        with self._db.write() as conn:
            conn.execute(update(t).where(t.c.id == subscriber_id).values(timezone=timezone))

    def unsubscribe_all(self, subscriber_id: int) -> None:
        """Stop every digest to the address; its subscriptions go (a new one needs a new
        confirmation)."""
        from sqlalchemy import delete, update

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._db.write() as conn:
            conn.execute(delete(s).where(s.c.subscriber_id == subscriber_id))
            conn.execute(update(t).where(t.c.id == subscriber_id).values(status=UNSUBSCRIBED))

    def delete_for_user(self, user_id: int) -> None:
        """The subscriber an account subscribed as, with its subscriptions (their deliveries
        and mailed items go with them by the schema's cascades): the address leaves too."""
        from sqlalchemy import delete, select

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._db.write() as conn:
            ids = [r[0] for r in conn.execute(select(t.c.id).where(t.c.user_id == user_id))]
            if ids:
                conn.execute(delete(s).where(s.c.subscriber_id.in_(ids)))
                conn.execute(delete(t).where(t.c.id.in_(ids)))

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
        when the caller already proved the address). Returns (subscription, created).

        A proved address that had unsubscribed from everything (or never confirmed) becomes
        active again, or its new active subscription would never be sent; a failing address
        stays failing (its mails bounce)."""
        from sqlalchemy import func, insert, select, update

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._db.write() as conn:
            _lock_subscriber(conn, subscriber_id)  # two requests must not both add it
            if active_from is not None:
                conn.execute(
                    update(t)
                    .where(t.c.id == subscriber_id, t.c.status.in_([PENDING, UNSUBSCRIBED]))
                    .values(status=ACTIVE, confirmed_at=now)
                )
            row = conn.execute(
                select(s).where(
                    s.c.subscriber_id == subscriber_id,
                    s.c.kind == kind,
                    func.lower(s.c.value) == value.lower(),
                    s.c.frequency == frequency,
                )
            ).first()
            if row is not None:
                return to_subscription(row), False
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
        return to_subscription(created), True

    def subscription(self, subscriber_id: int, subscription_id: int) -> Subscription | None:
        from sqlalchemy import select

        from paperwire.store.schema import subscriptions as s

        with self._db.read() as conn:
            row = conn.execute(
                select(s).where(s.c.id == subscription_id, s.c.subscriber_id == subscriber_id)
            ).one_or_none()
        return None if row is None else to_subscription(row)

    def subscription_by_id(self, subscription_id: int) -> tuple[Subscriber, Subscription] | None:
        """For the operator's tools (preview from the command line), not for visitors."""
        from sqlalchemy import select

        from paperwire.store.schema import subscriptions as s

        with self._db.read() as conn:
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

        with self._db.read() as conn:
            rows = conn.execute(
                select(s).where(s.c.subscriber_id == subscriber_id).order_by(s.c.id)
            )
            return [to_subscription(r) for r in rows]

    def confirm(
        self, subscriber_id: int, subscription_id: int, now: datetime, covered_through: date
    ) -> str:
        """Activate a pending subscription and its subscriber: ``"confirmed"``, ``"already"``
        (clicked before) or ``"missing"`` (deleted since)."""
        from sqlalchemy import select, update

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._db.write() as conn:
            status = conn.execute(
                select(s.c.status)
                .where(s.c.id == subscription_id, s.c.subscriber_id == subscriber_id)
                .with_for_update()
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
        with self._db.write() as conn:
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

        with self._db.write() as conn:
            return bool(
                conn.execute(
                    delete(s).where(s.c.id == subscription_id, s.c.subscriber_id == subscriber_id)
                ).rowcount
            )

    def set_confirm_due(self, subscription_id: int, due: bool) -> None:
        from sqlalchemy import update

        from paperwire.store.schema import subscriptions as s

        with self._db.write() as conn:
            conn.execute(update(s).where(s.c.id == subscription_id).values(confirm_due=due))

    def confirmations_due(self, limit: int = 500) -> list[tuple[Subscriber, Subscription]]:
        from sqlalchemy import select

        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._db.read() as conn:
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
                out.append((to_subscriber(a), to_subscription(b)))
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
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        out = []
        for row in rows:
            values = row._mapping
            subscriber = to_subscriber(_Cols(values, t.columns, t.name))
            sub = to_subscription(_Cols(values, s.columns, s.name))
            out.append((subscriber, sub))
        return out

    def failing_addresses(self) -> list[FailingAddress]:
        from sqlalchemy import or_, select

        from paperwire.store.schema import subscribers as t

        with self._db.read() as conn:
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

        with self._db.read() as conn:
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
