"""The store: the source of truth, behind a narrow interface.

SQLite (one file, WAL) by default, PostgreSQL by URL; both run the same code and pass the same
tests. Driver errors never leave this package: they become ``StorageError`` with a message for
people. Paper writes go through ``update_papers``, which serialises writers (BEGIN IMMEDIATE on
SQLite, a transaction-scoped advisory lock on PostgreSQL) so the change sequence is committed in
order: an indexer that has seen sequence N never later finds a smaller one appear.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperwire.errors import StorageError
from paperwire.ids import is_derived
from paperwire.models import Paper
from paperwire.store.rows import as_date, paper_to_row, row_to_paper, title_key

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

# Any number that fits in a bigint; it names the paper-writer lock on PostgreSQL.
_PG_PAPER_LOCK = 0x70617065


@dataclass(frozen=True, slots=True)
class WriteResult:
    new: list[str]
    updated: list[str]


Decide = Callable[[dict[str, Paper]], list[Paper]]


class Store:
    def __init__(self, url: str) -> None:
        from paperwire.store.community import Community
        from paperwire.store.people import People

        self.url = url
        self._engine: Engine | None = None
        self.people = People(self)
        self.community = Community(self)

    # -- connection plumbing -------------------------------------------------------------
    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        return Path(self.url[len(prefix) :]) if self.url.startswith(prefix) else None

    @property
    def engine(self) -> Engine:
        # Created on first use: SQLAlchemy costs ~0.2 s to import, which `paperwire show`
        # (served by the sqlite3 fast path below) never pays.
        if self._engine is None:
            self._engine = _create_engine(self.url)
        return self._engine

    @contextlib.contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[Connection]:
        from sqlalchemy.exc import SQLAlchemyError

        engine = self.engine
        # Errors from the driver's own cursors (``_query_papers``) arrive unwrapped.
        driver_error = engine.dialect.loaded_dbapi.Error
        try:
            with engine.connect() as conn:
                if write:
                    conn = conn.execution_options(paperwire_write=True)
                with conn.begin():
                    if write and not self.is_sqlite:
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_PAPER_LOCK})")
                    yield conn
        except (SQLAlchemyError, driver_error) as exc:
            raise StorageError(f"database error on {self.display_url}: {_short(exc)}") from exc

    @property
    def display_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # -- schema --------------------------------------------------------------------------
    def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.set_main_option("script_location", "paperwire.store:migrations")
        with self._connect() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def schema_revision(self) -> str | None:
        from sqlalchemy import inspect, text

        with self._connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    # -- papers --------------------------------------------------------------------------
    def get_paper(self, paper_id: str) -> Paper | None:
        # A one-off lookup (`paperwire show`) skips SQLAlchemy; a process that already has
        # the engine (the web server) reuses its pooled connections instead of opening one.
        if self.sqlite_path is not None and self._engine is None:
            return self._get_paper_sqlite(self.sqlite_path, paper_id)
        return self.get_papers([paper_id]).get(paper_id)

    def _get_paper_sqlite(self, path: Path, paper_id: str) -> Paper | None:
        """Point lookup with the stdlib driver: same SQL and row mapping, no SQLAlchemy."""
        if not path.exists():
            raise StorageError(f"no store at {path}; run `paperwire init` first")
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                conn.row_factory = sqlite3.Row
                row = conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StorageError(f"database error on {path}: {exc}") from exc
        return row_to_paper(row) if row is not None else None

    def get_papers(self, ids: Collection[str]) -> dict[str, Paper]:
        if not ids:
            return {}
        with self._connect() as conn:
            return _fetch_papers(conn, ids)

    def ids_by_title(self, titles: Collection[str]) -> dict[str, str]:
        """Map titles to the id of a stored paper with the same title key (real ids first)."""
        from sqlalchemy import select

        from paperwire.store.schema import papers

        keys = {title_key(t): t for t in titles}
        found: dict[str, str] = {}
        with self._connect() as conn:
            rows = conn.execute(
                select(papers.c.id, papers.c.title_key).where(papers.c.title_key.in_(list(keys)))
            )
            for paper_id, key in rows:
                title = keys[key]
                if title not in found or is_derived(found[title]):
                    found[title] = paper_id
        return found

    def input_digests(self, ids: Collection[str]) -> dict[str, dict[str, str]]:
        """``paper id -> {source: fingerprint}`` for the stored papers among ``ids``."""
        import orjson
        from sqlalchemy import select

        from paperwire.store.schema import papers

        found: dict[str, dict[str, str]] = {}
        id_list = list(ids)
        with self._connect() as conn:
            for start in range(0, len(id_list), 900):
                rows = conn.execute(
                    select(papers.c.id, papers.c.input_digests).where(
                        papers.c.id.in_(id_list[start : start + 900]),
                        papers.c.input_digests.is_not(None),
                    )
                )
                found.update((pid, orjson.loads(digests)) for pid, digests in rows)
        return found

    def update_papers(self, ids: Collection[str], decide: Decide) -> WriteResult:
        """Read the stored papers for ``ids``, let ``decide`` (pure) say which papers to write,
        and write them with fresh change sequence numbers, all in one serialised transaction."""
        from sqlalchemy import update

        from paperwire.store.schema import counters, papers

        with self._connect(write=True) as conn:
            existing = _fetch_papers(conn, ids)
            to_write = decide(existing)
            if not to_write:
                return WriteResult([], [])
            top = conn.execute(
                update(counters)
                .where(counters.c.name == "paper_seq")
                .values(value=counters.c.value + len(to_write))
                .returning(counters.c.value)
            ).scalar_one()
            rows = []
            for offset, paper in enumerate(to_write):
                paper.seq = top - len(to_write) + 1 + offset
                rows.append(paper_to_row(paper))
            conn.execute(_upsert(conn, papers), rows)
            return WriteResult(
                new=[p.id for p in to_write if p.id not in existing],
                updated=[p.id for p in to_write if p.id in existing],
            )

    def iter_papers(self, batch_size: int = 1000) -> Iterator[Paper]:
        """Every paper (deleted ones included) in id order, in constant memory."""
        last = ""
        while True:
            with self._connect() as conn:
                page = _query_papers(conn, "id > {p} ORDER BY id LIMIT {p}", (last, batch_size))
            if not page:
                return
            yield from page
            last = page[-1].id

    def changes_since(self, seq: int, limit: int = 1000) -> list[Paper]:
        """Papers changed after change number ``seq`` (tombstones included), oldest first."""
        with self._connect() as conn:
            return _query_papers(conn, "seq > {p} ORDER BY seq LIMIT {p}", (seq, limit))

    # -- feeds ---------------------------------------------------------------------------
    def latest_feed_day(self, *, min_upvotes: int = 0) -> date | None:
        """The latest feed day with live papers (with at least ``min_upvotes``)."""
        with self._connect() as conn:
            return latest_feed_day_on(conn, min_upvotes)

    def feed_days_around(self, start: date, end: date) -> tuple[date | None, date | None]:
        """In one query: the nearest feed day before ``start`` and the nearest one after
        ``end`` (None where there is none); what a feed page links to."""
        from sqlalchemy import func, select

        from paperwire.store.schema import papers

        day, live = papers.c.feed_day, papers.c.deleted.is_(False)
        query = select(
            select(func.max(day)).where(live, day < start).scalar_subquery(),
            select(func.min(day)).where(live, day > end).scalar_subquery(),
        )
        with self._connect() as conn:
            previous, following = conn.execute(query).one()
        return as_date(previous), as_date(following)

    def papers_in_days(
        self, start: date, end: date, *, limit: int, offset: int = 0, min_upvotes: int = 0
    ) -> tuple[list[Paper], int]:
        """Live papers whose feed day is in [start, end], most upvoted first, and how many."""
        from sqlalchemy import func, select

        from paperwire.store.schema import papers

        where = [papers.c.deleted.is_(False), papers.c.feed_day >= start, papers.c.feed_day <= end]
        if min_upvotes:
            where.append(func.coalesce(papers.c.upvotes, 0) >= min_upvotes)
        with self._connect() as conn:
            total = int(
                conn.execute(select(func.count()).select_from(papers).where(*where)).scalar_one()
            )
            ids = [
                r[0]
                for r in conn.execute(
                    select(papers.c.id)
                    .where(*where)
                    .order_by(
                        func.coalesce(papers.c.upvotes, 0).desc(),
                        papers.c.feed_day.desc(),
                        papers.c.id,
                    )
                    .limit(limit)
                    .offset(offset)
                )
            ]
            found = _fetch_papers(conn, ids)
        return [found[i] for i in ids if i in found], total

    def papers_by_submitter(self, name: str, *, limit: int, offset: int = 0) -> list[Paper]:
        from sqlalchemy import select

        from paperwire.store.schema import papers

        with self._connect() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    select(papers.c.id)
                    .where(papers.c.deleted.is_(False), papers.c.submitted_by == name)
                    .order_by(papers.c.feed_day.desc(), papers.c.id)
                    .limit(limit)
                    .offset(offset)
                )
            ]
            found = _fetch_papers(conn, ids)
        return [found[i] for i in ids if i in found]

    def papers_after(self, cursor: str, limit: int) -> list[Paper]:
        """Live papers in id order after ``cursor`` (keyset pagination for the API)."""
        with self._connect() as conn:
            return _query_papers(
                conn, "id > {p} AND NOT deleted ORDER BY id LIMIT {p}", (cursor, limit)
            )

    def count_changes_since(self, seq: int) -> int:
        from sqlalchemy import func, select

        from paperwire.store.schema import papers

        with self._connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(papers).where(papers.c.seq > seq)
                ).scalar_one()
            )

    # -- counters (cursors of background jobs) -------------------------------------------
    def get_counter(self, name: str) -> int:
        from sqlalchemy import select

        from paperwire.store.schema import counters

        with self._connect() as conn:
            value = conn.execute(
                select(counters.c.value).where(counters.c.name == name)
            ).scalar_one_or_none()
        return int(value or 0)

    def set_counter(self, name: str, value: int) -> None:
        from paperwire.store.schema import counters

        with self._connect(write=True) as conn:
            conn.execute(_upsert(conn, counters, "name"), [{"name": name, "value": value}])

    # -- embeddings ----------------------------------------------------------------------
    def embedding_hashes(self, model: str, ids: Collection[str]) -> dict[str, str]:
        """``paper id -> text hash`` of the stored vectors (tombstones excluded)."""
        from sqlalchemy import func, select

        from paperwire.store.schema import embeddings as emb

        found: dict[str, str] = {}
        id_list = list(ids)
        with self._connect() as conn:
            for start in range(0, len(id_list), 900):
                rows = conn.execute(
                    select(emb.c.paper_id, emb.c.text_hash).where(
                        emb.c.model == model,
                        emb.c.paper_id.in_(id_list[start : start + 900]),
                        func.length(emb.c.vector) > 0,
                    )
                )
                found.update((pid, h) for pid, h in rows)
        return found

    def put_embeddings(
        self,
        model: str,
        dim: int,
        vectors: Sequence[tuple[str, str, bytes]],
        removed: Collection[str] = (),
        cursor: tuple[str, int] | None = None,
    ) -> None:
        """Store ``(paper id, text hash, float16 bytes)`` rows and tombstones (empty vectors)
        for ``removed`` papers, each with a new embedding sequence number; and, in the same
        transaction, advance the job ``cursor`` (counter name, value) so a killed job resumes
        exactly after the last batch it stored."""
        from sqlalchemy import update

        from paperwire.store.schema import counters
        from paperwire.store.schema import embeddings as emb

        rows = [(pid, h, v) for pid, h, v in vectors] + [(pid, "", b"") for pid in removed]
        with self._connect(write=True) as conn:
            if rows:
                top = conn.execute(
                    update(counters)
                    .where(counters.c.name == "embedding_seq")
                    .values(value=counters.c.value + len(rows))
                    .returning(counters.c.value)
                ).scalar_one()
                first = top - len(rows) + 1
                conn.execute(
                    _upsert(conn, emb, "paper_id", "model"),
                    [
                        {
                            "paper_id": pid,
                            "model": model,
                            "dim": dim,
                            "text_hash": h,
                            "vector": v,
                            "seq": first + i,
                        }
                        for i, (pid, h, v) in enumerate(rows)
                    ],
                )
            if cursor is not None:
                conn.execute(
                    _upsert(conn, counters, "name"), [{"name": cursor[0], "value": cursor[1]}]
                )

    def embeddings_since(
        self, model: str, seq: int, limit: int = 5000
    ) -> list[tuple[str, bytes, int]]:
        """``(paper id, vector bytes or b"" for a tombstone, seq)`` after ``seq``, in order."""
        from sqlalchemy import select

        from paperwire.store.schema import embeddings as emb

        with self._connect() as conn:
            rows = conn.execute(
                select(emb.c.paper_id, emb.c.vector, emb.c.seq)
                .where(emb.c.model == model, emb.c.seq > seq)
                .order_by(emb.c.seq)
                .limit(limit)
            )
            return [(pid, bytes(vec), int(s)) for pid, vec, s in rows]

    def count_embeddings(self, model: str) -> int:
        from sqlalchemy import func, select

        from paperwire.store.schema import embeddings as emb

        with self._connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(emb)
                    .where(emb.c.model == model, func.length(emb.c.vector) > 0)
                ).scalar_one()
            )

    def stats(self) -> dict[str, Any]:
        from sqlalchemy import func, select

        from paperwire.store.schema import counters, papers

        with self._connect() as conn:
            live = papers.c.deleted.is_(False)
            total, deleted = conn.execute(
                select(func.count(), func.count().filter(papers.c.deleted.is_(True))).select_from(
                    papers
                )
            ).one()
            first, last = conn.execute(
                select(func.min(papers.c.first_seen), func.max(papers.c.first_seen)).where(live)
            ).one()
            with_upvotes = conn.execute(
                select(func.count()).select_from(papers).where(live, papers.c.upvotes.is_not(None))
            ).scalar_one()
            top_categories = conn.execute(
                select(papers.c.primary_category, func.count().label("n"))
                .where(live, papers.c.primary_category.is_not(None))
                .group_by(papers.c.primary_category)
                .order_by(func.count().desc())
                .limit(10)
            ).all()
            seq = conn.execute(
                select(counters.c.value).where(counters.c.name == "paper_seq")
            ).scalar_one()
        return {
            "papers": total - deleted,
            "deleted": deleted,
            "with_upvotes": with_upvotes,
            "first_seen_min": first.isoformat() if first else None,
            "first_seen_max": last.isoformat() if last else None,
            "top_categories": [(c, n) for c, n in top_categories],
            "change_seq": seq,
        }


def latest_feed_day_on(conn: Connection, min_upvotes: int = 0) -> date | None:
    """``Store.latest_feed_day`` inside an open connection (a page's card queries share one)."""
    sql = "SELECT max(feed_day) FROM papers WHERE NOT deleted"
    if min_upvotes:
        sql += " AND coalesce(upvotes, 0) >= {p}"
    rows = driver_rows(conn, sql, (min_upvotes,) if min_upvotes else ())
    return as_date(rows[0][0])


def _query_papers(
    conn: Connection, condition: str, params: Sequence[Any] = (), ids: Sequence[str] = ()
) -> list[Paper]:
    """Papers matching ``condition`` (``{p}`` and ``{ids}`` as in ``driver_rows``), read
    through the DBAPI cursor: on a re-import this runs for every record, and SQLAlchemy's
    per-row result processing cost as much as the merge itself. ``row_to_paper`` accepts the
    raw driver values of both databases."""
    from paperwire.store.schema import papers

    columns = list(papers.c.keys())
    sql = f"SELECT {', '.join(columns)} FROM papers WHERE {condition}"
    return [
        row_to_paper(dict(zip(columns, values, strict=True)))
        for values in driver_rows(conn, sql, params, ids)
    ]


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


def _fetch_papers(conn: Connection, ids: Collection[str]) -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    id_list = list(ids)
    for start in range(0, len(id_list), 900):  # stay under bind-parameter limits
        chunk = id_list[start : start + 900]
        found.update((p.id, p) for p in _query_papers(conn, "id IN ({ids})", ids=chunk))
    return found


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _upsert(conn: Connection, table: Any, *keys: str) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other column (both dialects)."""
    from sqlalchemy.dialects import postgresql, sqlite

    keys = keys or ("id",)
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table)
    columns = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=columns)


def _create_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError

    try:
        engine = create_engine(url)
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
