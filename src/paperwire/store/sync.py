"""Store side of live sync: harvest checkpoints, job locks and shared request slots.

Plain SQL helpers, no business logic: the sync jobs decide what a checkpoint holds, when to
take a lock and how long to wait. Every time is epoch milliseconds from the *database's* clock
(PostgreSQL's ``clock_timestamp()``; SQLite lives on one machine, so its host clock), so lock
expiry and the politeness delay mean the same thing to every process on every machine sharing
the store, whatever their own clocks say.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from paperwire.store import Store


@dataclass(frozen=True, slots=True)
class LockInfo:
    name: str
    owner: str
    acquired_ms: int
    expires_ms: int


def now_ms(conn: Connection) -> int:
    """The database's clock (see the module docstring)."""
    if conn.dialect.name == "postgresql":
        value = conn.exec_driver_sql(
            "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
        ).scalar_one()
        return int(value)
    return int(time.time() * 1000)


def _insert(conn: Connection, table: Any) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return (sqlite if conn.dialect.name == "sqlite" else postgresql).insert(table)


# -- checkpoints -----------------------------------------------------------------------------
def get_state(store: Store, name: str) -> dict[str, Any] | None:
    from sqlalchemy import select

    from paperwire.store.schema import sync_state

    with store._connect() as conn:
        value = conn.execute(
            select(sync_state.c.value).where(sync_state.c.name == name)
        ).scalar_one_or_none()
    return None if value is None else dict(json.loads(value))


def put_state(store: Store, name: str, value: dict[str, Any]) -> None:
    """Write a checkpoint; committed when this returns."""
    from paperwire.store.schema import sync_state

    text = json.dumps(value, sort_keys=True)
    with store._connect(write=True) as conn:
        stmt = _insert(conn, sync_state).values(name=name, value=text, updated_ms=now_ms(conn))
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={"value": stmt.excluded.value, "updated_ms": stmt.excluded.updated_ms},
            )
        )


def delete_state(store: Store, name: str) -> None:
    from sqlalchemy import delete

    from paperwire.store.schema import sync_state

    with store._connect(write=True) as conn:
        conn.execute(delete(sync_state).where(sync_state.c.name == name))


def list_states(store: Store, prefix: str = "") -> dict[str, dict[str, Any]]:
    from sqlalchemy import select

    from paperwire.store.schema import sync_state

    with store._connect() as conn:
        rows = conn.execute(
            select(sync_state.c.name, sync_state.c.value)
            .where(sync_state.c.name.startswith(prefix, autoescape=True))
            .order_by(sync_state.c.name)
        )
        return {name: dict(json.loads(value)) for name, value in rows}


# -- job locks -------------------------------------------------------------------------------
def acquire_lock(store: Store, name: str, owner: str, ttl_ms: int) -> bool:
    """Take the lock ``name`` for ``owner`` unless someone else holds an unexpired one.

    Two atomic statements, each correct on its own under concurrency: an insert that does
    nothing when the row exists, then an update that only matches our own or an expired row.
    """
    from sqlalchemy import or_, update

    from paperwire.store.schema import job_locks as locks

    with store._connect(write=True) as conn:
        now = now_ms(conn)
        inserted = conn.execute(
            _insert(conn, locks)
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


def renew_lock(store: Store, name: str, owner: str, ttl_ms: int) -> bool:
    """Push the expiry of our lock forward; False when it is no longer ours (it expired and
    another process took it)."""
    from sqlalchemy import update

    from paperwire.store.schema import job_locks as locks

    with store._connect(write=True) as conn:
        now = now_ms(conn)
        renewed = conn.execute(
            update(locks)
            .where(locks.c.name == name, locks.c.owner == owner)
            .values(expires_ms=now + ttl_ms)
        ).rowcount
        return bool(renewed == 1)


def release_lock(store: Store, name: str, owner: str) -> None:
    from sqlalchemy import delete

    from paperwire.store.schema import job_locks as locks

    with store._connect(write=True) as conn:
        conn.execute(delete(locks).where(locks.c.name == name, locks.c.owner == owner))


def lock_info(store: Store, name: str) -> LockInfo | None:
    from sqlalchemy import select

    from paperwire.store.schema import job_locks as locks

    with store._connect() as conn:
        row = conn.execute(select(locks).where(locks.c.name == name)).one_or_none()
    if row is None:
        return None
    return LockInfo(row.name, row.owner, int(row.acquired_ms), int(row.expires_ms))


def lock_remaining_ms(store: Store, info: LockInfo) -> int:
    """How long until ``info`` expires, by the database's clock."""
    with store._connect() as conn:
        return info.expires_ms - now_ms(conn)


# -- request slots (politeness across processes) ---------------------------------------------
def claim_slot(store: Store, name: str, lease_ms: int) -> int:
    """Try to start a request of the group ``name``: 0 when it may start now (and it is
    marked in flight for at most ``lease_ms``), else how many ms until it may be its turn."""
    from sqlalchemy import select, update

    from paperwire.store.schema import request_slots as slots

    with store._connect(write=True) as conn:
        now = now_ms(conn)
        row = conn.execute(
            select(slots.c.next_ms, slots.c.busy_until_ms).where(slots.c.name == name)
        ).one_or_none()
        if row is None:
            conn.execute(
                _insert(conn, slots)
                .values(name=name, next_ms=now, busy_until_ms=now + lease_ms)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            return 0
        ready = max(int(row.next_ms), int(row.busy_until_ms))
        if ready > now:
            return ready - now
        conn.execute(update(slots).where(slots.c.name == name).values(busy_until_ms=now + lease_ms))
        return 0


def release_slot(store: Store, name: str, interval_ms: int) -> None:
    """A request of group ``name`` finished: the next may start ``interval_ms`` from now."""
    from sqlalchemy import update

    from paperwire.store.schema import request_slots as slots

    with store._connect(write=True) as conn:
        now = now_ms(conn)
        conn.execute(
            update(slots)
            .where(slots.c.name == name)
            .values(next_ms=now + interval_ms, busy_until_ms=0)
        )
