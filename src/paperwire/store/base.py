"""The plumbing every domain store shares: engine, connections, transactions, error wrapping.

No business logic lives here. ``read()`` and ``write()`` are the only ways to a connection,
and only the store's own modules call them; driver errors leave them as ``StorageError``.

The ordering lock. The change sequence of papers (and of embeddings) is a counter bumped inside
the writing transaction. Two such transactions could commit in the opposite order of their
numbers, and an indexer that had already read N would never see the N-1 committed after it. So
those writes (``write(ordered=True)``) are serialised: a transaction-scoped advisory lock on
PostgreSQL, held until commit. No other write bumps a sequence, so no other write takes it:
votes, sessions, comments, subscribers, deliveries and leases run concurrently on PostgreSQL,
each correct on its own through unique keys, atomic statements and row locks
(``SELECT ... FOR UPDATE``). SQLite allows one writer at a time anyway: every write begins with
BEGIN IMMEDIATE, which takes the database's write lock up front (a deferred BEGIN that upgrades
later can fail with "database is locked" instead of waiting).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from paperwire.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# Any number that fits in a bigint; it names the change-order lock on PostgreSQL.
_ORDER_LOCK = 0x70617065
# Bind parameters per statement stay well under SQLite's old limit of 999.
CHUNK = 900

T = TypeVar("T")


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        # The connection of this thread's ``snapshot()``, when one is open.
        self._pinned = threading.local()

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        return Path(self.url[len(prefix) :]) if self.url.startswith(prefix) else None

    @property
    def started(self) -> bool:
        """Whether the engine exists (a process that has it reuses its pooled connections)."""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        # Created on first use: SQLAlchemy costs ~0.2 s to import, which `paperwire show`
        # (served by the sqlite3 fast path in ``papers``) never pays.
        if self._engine is None:
            self._engine = _create_engine(self.url)
        return self._engine

    @property
    def display_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def read(self) -> contextlib.AbstractContextManager[Connection]:
        """A connection in a read transaction (inside ``snapshot()``, that one's)."""
        pinned: Connection | None = getattr(self._pinned, "conn", None)
        if pinned is not None:
            return contextlib.nullcontext(pinned)
        return self._transaction(write=False, ordered=False)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every ``read()`` of this thread inside shares one connection and one read
        transaction: a page's reads pay for one pool checkout and BEGIN (on PostgreSQL, one
        liveness ping too) instead of one each (four per paper page, a tenth of its time).
        On SQLite they also see one state of the store. Writes inside take their own."""
        if getattr(self._pinned, "conn", None) is not None:
            yield
            return
        with self._transaction(write=False, ordered=False) as conn:
            self._pinned.conn = conn
            try:
                yield
            finally:
                self._pinned.conn = None

    def write(self, *, ordered: bool = False) -> contextlib.AbstractContextManager[Connection]:
        """A connection in a write transaction; ``ordered`` for writes that bump a change
        sequence (see the module docstring)."""
        return self._transaction(write=True, ordered=ordered)

    @contextlib.contextmanager
    def _transaction(self, *, write: bool, ordered: bool) -> Iterator[Connection]:
        from sqlalchemy.exc import SQLAlchemyError

        engine = self.engine
        # Errors from the driver's own cursors (``driver_rows``) arrive unwrapped.
        driver_error = engine.dialect.loaded_dbapi.Error
        try:
            with engine.connect() as conn:
                if write:
                    conn = conn.execution_options(paperwire_write=True)
                with conn.begin():
                    if ordered and not self.is_sqlite:
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ORDER_LOCK})")
                    yield conn
        except (SQLAlchemyError, driver_error) as exc:
            raise StorageError(f"database error on {self.display_url}: {_short(exc)}") from exc


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``CHUNK``, for ``IN (...)`` lists under bind-parameter limits."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def dialect_insert(conn: Connection, table: Any) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT`` (both dialects)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (sqlite if conn.dialect.name == "sqlite" else postgresql).insert(table)


def upsert(conn: Connection, table: Any, *keys: str) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other column (both dialects)."""
    keys = keys or ("id",)
    stmt = dialect_insert(conn, table)
    columns = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=columns)


def driver_rows(
    conn: Connection, sql: str, params: Sequence[Any] = (), ids: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Run ``sql`` on the driver's own cursor, inside ``conn``'s transaction: ``{p}`` marks
    each of ``params``, ``{ids}`` a list of all ``ids`` (after every ``{p}``). For the hot
    read paths (paper pages, feeds, re-imports): building SQLAlchemy expressions and result
    objects cost more than the queries. Values come back as the driver gives them."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = sql.format(p=marker, ids=", ".join([marker] * len(ids)))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, (*params, *ids))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _create_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError

    try:
        # PostgreSQL: a pooled connection is checked before each use (one round trip), so
        # connections the server ended (a restart, ``pg_terminate_backend``, a failover) are
        # replaced instead of failing a request each.
        engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    except (ArgumentError, ImportError) as exc:
        raise StorageError(f"invalid database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling
            # would defer it), so writers can take the lock up front with BEGIN IMMEDIATE.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("paperwire_write", False)
            # On the driver's connection: through SQLAlchemy, a BEGIN built a result object
            # per transaction, a measurable share of a paper page.
            driver = conn.connection.driver_connection
            assert driver is not None  # a checked-out connection always has one
            driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    elif engine.dialect.name != "postgresql":
        raise StorageError(
            f"unsupported database {engine.dialect.name!r}: use SQLite or PostgreSQL"
        )
    return engine
