"""The digest delivery log, and the reads that decide what a digest may still send.

The store only persists: which state follows which is ``digest.delivery_states.next_state``,
and each transition below reads the row's state (locked ``FOR UPDATE``) and writes what that
function returns. See ``paperwire.digest.deliver`` for why this order makes delivery
exactly-once. No write here takes the ordering lock (see ``base``): the unique
(subscription, period) pair and the row locks keep concurrent runs correct.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from paperwire.digest.delivery_states import (
    Event,
    allowed,
    next_state,
    outcome,
    states_allowing,
)
from paperwire.digest.model import (
    ACTIVE,
    FAILING,
    Candidate,
    Claim,
    DeliveryState,
    Subscriber,
)
from paperwire.store.base import Database, chunks, dialect_insert
from paperwire.store.rows import as_date, as_datetime
from paperwire.store.subscribers import to_subscriber

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_ERROR_CHARS = 1000


def _state(conn: Connection, delivery_id: int) -> DeliveryState:
    """The row's state, locked until the end of the transaction."""
    from sqlalchemy import select

    from paperwire.store.schema import deliveries as d

    value = conn.execute(
        select(d.c.state).where(d.c.id == delivery_id).with_for_update()
    ).scalar_one()
    return DeliveryState(value)


class Deliveries:
    def __init__(self, db: Database) -> None:
        self._db = db

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
        with self._db.read() as conn:
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
        with self._db.read() as conn:
            return [r[0] for r in conn.execute(query)]

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
        with self._db.read() as conn:
            return {r[0] for r in conn.execute(query)}

    def sent_for(self, subscription_ids: Sequence[int], after: date) -> dict[int, set[str]]:
        """``sent_since`` for a page of subscriptions in one query."""
        from sqlalchemy import select

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import digest_items as items

        found: dict[int, set[str]] = {sid: set() for sid in subscription_ids}
        with self._db.read() as conn:
            for chunk in chunks(list(subscription_ids)):
                rows = conn.execute(
                    select(d.c.subscription_id, items.c.paper_id)
                    .select_from(d)
                    .join(items, items.c.delivery_id == d.c.id)
                    .where(
                        d.c.subscription_id.in_(chunk),
                        d.c.period_end > after,
                    )
                )
                for sid, pid in rows:
                    found[int(sid)].add(pid)
        return found

    # -- the delivery log ------------------------------------------------------------------
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

        with self._db.write() as conn:
            row = conn.execute(
                select(d.c.id, d.c.state, d.c.attempts, d.c.next_attempt_at)
                .where(d.c.subscription_id == subscription_id, d.c.period_end == period_end)
                .with_for_update()
            ).one_or_none()
            if row is None:
                conn.execute(
                    update(d)
                    .where(
                        d.c.subscription_id == subscription_id,
                        d.c.period_end < period_end,
                        d.c.state.in_(states_allowing(Event.SUPERSEDE)),
                    )
                    .values(state=outcome(Event.SUPERSEDE), finished_at=now)
                )
                new_id = conn.execute(
                    dialect_insert(conn, d)
                    .values(
                        subscription_id=subscription_id,
                        period_end=period_end,
                        state=next_state(None, Event.CLAIM),
                        attempts=1,
                        message_id=message_id,
                        items=0,
                        claimed_at=now,
                    )
                    # Another run claimed it since we looked: it is theirs.
                    .on_conflict_do_nothing(index_elements=["subscription_id", "period_end"])
                    .returning(d.c.id)
                ).scalar_one_or_none()
                return None if new_id is None else Claim(int(new_id), 1)
            state = DeliveryState(row.state)
            waiting = as_datetime(row.next_attempt_at)
            if state == DeliveryState.RETRY and waiting is not None and waiting > now:
                return None
            if not allowed(state, Event.CLAIM):
                return None
            conn.execute(
                update(d)
                .where(d.c.id == row.id)
                .values(
                    state=next_state(state, Event.CLAIM),
                    attempts=d.c.attempts + 1,
                    claimed_at=now,
                )
            )
            return Claim(int(row.id), int(row.attempts) + 1)

    def record_empty(self, subscription_id: int, period_end: date, now: datetime) -> bool:
        """Nothing to send for the period: say so in the log and move the subscription on.
        False when the period was already done by someone else."""
        from sqlalchemy import select, update

        from paperwire.store.schema import deliveries as d

        where = (d.c.subscription_id == subscription_id, d.c.period_end == period_end)
        with self._db.write() as conn:
            value = conn.execute(select(d.c.state).where(*where).with_for_update()).scalar()
            state = None if value is None else DeliveryState(value)
            if not allowed(state, Event.NOTHING_TO_SEND):
                return False
            empty = next_state(state, Event.NOTHING_TO_SEND)
            if state is None:
                inserted = conn.execute(
                    dialect_insert(conn, d)
                    .values(
                        subscription_id=subscription_id,
                        period_end=period_end,
                        state=empty,
                        attempts=0,
                        items=0,
                        claimed_at=now,
                        finished_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["subscription_id", "period_end"])
                    .returning(d.c.id)  # an INSERT's rowcount may be -1
                ).scalar_one_or_none()
                if inserted is None:
                    return False  # another run wrote the period since we looked
            else:
                conn.execute(
                    update(d)
                    .where(*where)
                    .values(state=empty, items=0, finished_at=now, error=None)
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

        with self._db.write() as conn:
            state = next_state(_state(conn, delivery_id), Event.DATA_SENT)
            conn.execute(
                update(d).where(d.c.id == delivery_id).values(state=state, items=len(paper_ids))
            )
            if paper_ids:
                conn.execute(
                    dialect_insert(conn, items).on_conflict_do_nothing(
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

        with self._db.write() as conn:
            state = next_state(_state(conn, delivery_id), Event.DEFERRED)
            conn.execute(delete(items).where(items.c.delivery_id == delivery_id))
            conn.execute(update(d).where(d.c.id == delivery_id).values(state=state, items=0))

    def mark_sent(self, delivery_id: int, now: datetime, note: str | None = None) -> None:
        from sqlalchemy import select, update

        from paperwire.store.schema import deliveries as d
        from paperwire.store.schema import subscribers as t
        from paperwire.store.schema import subscriptions as s

        with self._db.write() as conn:
            state = next_state(_state(conn, delivery_id), Event.DELIVERED)
            row = conn.execute(
                select(d.c.subscription_id, d.c.period_end).where(d.c.id == delivery_id)
            ).one()
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id)
                .values(state=state, finished_at=now, error=note, next_attempt_at=None)
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

        with self._db.read() as conn:
            ids = [
                r[0] for r in conn.execute(select(d.c.id).where(d.c.state == DeliveryState.SENDING))
            ]
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

        with self._db.write() as conn:
            state = next_state(_state(conn, delivery_id), Event.TEMPORARY_FAILURE)
            conn.execute(delete(items).where(items.c.delivery_id == delivery_id))
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id)
                .values(
                    state=state,
                    items=0,
                    error=error[:_ERROR_CHARS],
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

        with self._db.write() as conn:
            state = next_state(_state(conn, delivery_id), Event.PERMANENT_FAILURE)
            row = conn.execute(
                select(d.c.subscription_id, d.c.period_end, s.c.subscriber_id)
                .join(s, s.c.id == d.c.subscription_id)
                .where(d.c.id == delivery_id)
            ).one()
            conn.execute(delete(items).where(items.c.delivery_id == delivery_id))
            conn.execute(
                update(d)
                .where(d.c.id == delivery_id)
                .values(state=state, items=0, error=error[:_ERROR_CHARS], finished_at=now)
            )
            self._advance(conn, int(row.subscription_id), as_date(row.period_end), sent=False)
            conn.execute(
                update(t)
                .where(t.c.id == row.subscriber_id)
                .values(failures=t.c.failures + 1, last_error=error[:_ERROR_CHARS])
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
        return to_subscriber(found)

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

    def state_counts(self, since: date) -> dict[str, int]:
        from sqlalchemy import func, select

        from paperwire.store.schema import deliveries as d

        with self._db.read() as conn:
            rows = conn.execute(
                select(d.c.state, func.count()).where(d.c.period_end >= since).group_by(d.c.state)
            )
            return {str(state): int(n) for state, n in rows}
