"""Background jobs: counters (cursors), harvest checkpoints, job locks and request slots.

Plain SQL, no business logic: the jobs decide what a checkpoint holds, when to take a lock and
how long to wait. Every time is epoch milliseconds from the *database's* clock (PostgreSQL's
``clock_timestamp()``; SQLite lives on one machine, so its host clock), so lock expiry and the
politeness delay mean the same thing to every process on every machine sharing the store,
whatever their own clocks say. None of these writes bumps a change sequence, so none takes the
ordering lock (see ``base``); each is correct under concurrency on its own.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paperwire.store.base import Database, dialect_insert, upsert

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True, slots=True)
class LockInfo:
    name: str
    owner: str
    acquired_ms: int
    expires_ms: int


def _now_ms(conn: Connection) -> int:
    """The database's clock (see the module docstring)."""
    if conn.dialect.name == "postgresql":
        value = conn.exec_driver_sql(
            "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
        ).scalar_one()
        return int(value)
    return int(time.time() * 1000)


class Jobs:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- counters (cursors of background jobs) -------------------------------------------
    def get_counter(self, name: str) -> int:
        from sqlalchemy import select

        from paperwire.store.schema import counters

        with self._db.read() as conn:
            value = conn.execute(
                select(counters.c.value).where(counters.c.name == name)
            ).scalar_one_or_none()
        return int(value or 0)

    def merge_done_ranges(self, cursor: str, marker_prefix: str, span: int) -> int:
        """Advance the counter ``cursor`` over the finished ranges of work after it; return it.

        Parallel workers split a sequence into ranges of ``span`` numbers (range ``r`` holds
        ``r*span+1 .. (r+1)*span``) and record how far they got in range ``r`` as the counter
        ``marker_prefix + str(r)``. The cursor moves through every range finished without a gap,
        into a range finished only part of the way (the newest one), and its markers go.
        """
        from sqlalchemy import delete, select

        from paperwire.store.schema import counters

        with self._db.write() as conn:
            value = conn.execute(
                select(counters.c.value).where(counters.c.name == cursor)
            ).scalar_one_or_none()
            position = int(value or 0)
            start = position
            finished: list[str] = []
            while True:
                marker = f"{marker_prefix}{position // span}"
                reached = conn.execute(
                    select(counters.c.value).where(counters.c.name == marker)
                ).scalar_one_or_none()
                if reached is None or reached <= position:
                    break
                position = int(reached)
                if position % span:  # stopped inside its range: newer papers land there
                    break
                finished.append(marker)
            if position != start:
                conn.execute(upsert(conn, counters, "name"), [{"name": cursor, "value": position}])
            if finished:
                conn.execute(delete(counters).where(counters.c.name.in_(finished)))
        return position

    # -- checkpoints ---------------------------------------------------------------------
    def get_state(self, name: str) -> dict[str, Any] | None:
        from sqlalchemy import select

        from paperwire.store.schema import sync_state

        with self._db.read() as conn:
            value = conn.execute(
                select(sync_state.c.value).where(sync_state.c.name == name)
            ).scalar_one_or_none()
        return None if value is None else dict(json.loads(value))

    def put_state(self, name: str, value: dict[str, Any]) -> None:
        """Write a checkpoint; committed when this returns."""
        from paperwire.store.schema import sync_state

        text = json.dumps(value, sort_keys=True)
        with self._db.write() as conn:
            conn.execute(
                upsert(conn, sync_state, "name"),
                [{"name": name, "value": text, "updated_ms": _now_ms(conn)}],
            )

    def delete_state(self, name: str) -> None:
        from sqlalchemy import delete

        from paperwire.store.schema import sync_state

        with self._db.write() as conn:
            conn.execute(delete(sync_state).where(sync_state.c.name == name))

    def list_states(self, prefix: str = "") -> dict[str, dict[str, Any]]:
        from sqlalchemy import select

        from paperwire.store.schema import sync_state

        with self._db.read() as conn:
            rows = conn.execute(
                select(sync_state.c.name, sync_state.c.value)
                .where(sync_state.c.name.startswith(prefix, autoescape=True))
                .order_by(sync_state.c.name)
            )
            return {name: dict(json.loads(value)) for name, value in rows}

    # -- job locks -----------------------------------------------------------------------
    def acquire_lock(self, name: str, owner: str, ttl_ms: int) -> bool:
        """Take the lock ``name`` for ``owner`` unless someone else holds an unexpired one.

        Two atomic statements, each correct on its own under concurrency: an insert that does
        nothing when the row exists, then an update that only matches our own or an expired
        row.
        """
        from sqlalchemy import or_, update

        from paperwire.store.schema import job_locks as locks

        with self._db.write() as conn:
            now = _now_ms(conn)
            inserted = conn.execute(
                dialect_insert(conn, locks)
                .values(name=name, owner=owner, acquired_ms=now, expires_ms=now + ttl_ms)
                .on_conflict_do_nothing(index_elements=["name"])
            ).rowcount
            if inserted == 1:
                return True
            taken = conn.execute(
                update(locks)
                .where(locks.c.name == name, or_(locks.c.owner == owner, locks.c.expires_ms < now))
                .values(owner=owner, acquired_ms=now, expires_ms=now + ttl_ms)
            ).rowcount
            return bool(taken == 1)

    def renew_lock(self, name: str, owner: str, ttl_ms: int) -> bool:
        """Push the expiry of our lock forward; False when it is no longer ours (it expired
        and another process took it)."""
        from sqlalchemy import update

        from paperwire.store.schema import job_locks as locks

        with self._db.write() as conn:
            now = _now_ms(conn)
            renewed = conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.owner == owner)
                .values(expires_ms=now + ttl_ms)
            ).rowcount
            return bool(renewed == 1)

    def release_lock(self, name: str, owner: str) -> None:
        from sqlalchemy import delete

        from paperwire.store.schema import job_locks as locks

        with self._db.write() as conn:
            conn.execute(delete(locks).where(locks.c.name == name, locks.c.owner == owner))

    def lock_info(self, name: str) -> LockInfo | None:
        from sqlalchemy import select

        from paperwire.store.schema import job_locks as locks

        with self._db.read() as conn:
            row = conn.execute(select(locks).where(locks.c.name == name)).one_or_none()
        if row is None:
            return None
        return LockInfo(row.name, row.owner, int(row.acquired_ms), int(row.expires_ms))

    def now_ms(self) -> int:
        """The database's clock, in epoch milliseconds (see the module docstring)."""
        with self._db.read() as conn:
            return _now_ms(conn)

    def lock_remaining_ms(self, info: LockInfo) -> int:
        """How long until ``info`` expires, by the database's clock."""
        with self._db.read() as conn:
            return info.expires_ms - _now_ms(conn)

    # -- request slots (politeness across processes) -------------------------------------
    def claim_slot(self, name: str, lease_ms: int) -> int:
        """Try to start a request of the group ``name``: 0 when it may start now (and it is
        marked in flight for at most ``lease_ms``), else how many ms until it may be its turn.

        The row is read ``FOR UPDATE`` (a no-op on SQLite, whose writers are serialised
        anyway), so two processes can never both see the slot free and both start."""
        from sqlalchemy import select, update

        from paperwire.store.schema import request_slots as slots

        query = (
            select(slots.c.next_ms, slots.c.busy_until_ms)
            .where(slots.c.name == name)
            .with_for_update()
        )
        with self._db.write() as conn:
            now = _now_ms(conn)
            row = conn.execute(query).one_or_none()
            if row is None:
                # RETURNING, not rowcount: an INSERT's rowcount is -1 on some drivers.
                inserted = conn.execute(
                    dialect_insert(conn, slots)
                    .values(name=name, next_ms=now, busy_until_ms=now + lease_ms)
                    .on_conflict_do_nothing(index_elements=["name"])
                    .returning(slots.c.name)
                ).scalar_one_or_none()
                if inserted is not None:
                    return 0
                row = conn.execute(query).one()  # another process created it just now
            ready = max(int(row.next_ms), int(row.busy_until_ms))
            if ready > now:
                return ready - now
            conn.execute(
                update(slots).where(slots.c.name == name).values(busy_until_ms=now + lease_ms)
            )
            return 0

    def release_slot(self, name: str, interval_ms: int) -> None:
        """A request of group ``name`` finished: the next may start ``interval_ms`` from now."""
        from sqlalchemy import update

        from paperwire.store.schema import request_slots as slots

        with self._db.write() as conn:
            now = _now_ms(conn)
            conn.execute(
                update(slots)
                .where(slots.c.name == name)
                .values(next_ms=now + interval_ms, busy_until_ms=0)
            )
