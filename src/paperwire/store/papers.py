"""Papers: the records, their change sequence, the input digests of re-imports, the feeds.

Paper writes go through ``update_papers``, an ordered write (see ``base``), so the change
sequence is committed in order: an indexer that has seen sequence N never later finds a
smaller one appear.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from paperwire.errors import StorageError
from paperwire.ids import is_derived
from paperwire.models import Paper, PaperText
from paperwire.store.base import Database, chunks, driver_rows, upsert
from paperwire.store.rows import (
    as_date,
    digests_value,
    matchable,
    paper_to_row,
    row_to_paper,
    title_key,
)

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.engine import Connection


@dataclass(frozen=True, slots=True)
class WriteResult:
    new: list[str]
    updated: list[str]


Decide = Callable[[dict[str, Paper]], list[Paper]]


class Papers:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get_paper(self, paper_id: str) -> Paper | None:
        # A one-off lookup (`paperwire show`) skips SQLAlchemy; a process that already has
        # the engine (the web server) reuses its pooled connections instead of opening one.
        path = self._db.sqlite_path
        if path is not None and not self._db.started:
            return _get_paper_sqlite(path, paper_id)
        return self.get_papers([paper_id]).get(paper_id)

    def get_papers(self, ids: Collection[str]) -> dict[str, Paper]:
        if not ids:
            return {}
        with self._db.read() as conn:
            return _fetch_papers(conn, ids)

    def texts(self, ids: Collection[str]) -> dict[str, PaperText]:
        """What the recommender reads of the live papers among ``ids``: a fraction of
        ``get_papers``' cost (six columns, two of them JSON), for reading hundreds of
        thousands at once (a For-you digest run's liked papers)."""
        found: dict[str, PaperText] = {}
        with self._db.read() as conn:
            for chunk in chunks(list(ids)):
                for pid, title, abstract, authors, categories, first_seen in driver_rows(
                    conn,
                    "SELECT id, title, abstract, authors, categories, first_seen FROM papers"
                    " WHERE id IN ({ids}) AND NOT deleted",
                    ids=chunk,
                ):
                    found[pid] = PaperText(
                        pid,
                        title,
                        abstract,
                        tuple(orjson.loads(authors)),
                        tuple(orjson.loads(categories)),
                        as_date(first_seen),
                    )
        return found

    def ids_by_title(self, titles: Collection[str]) -> dict[str, str]:
        """Map titles to the id of a stored paper with the same title key (real ids first)."""
        from sqlalchemy import select

        from paperwire.store.schema import papers

        keys = {title_key(t): t for t in titles}
        found: dict[str, str] = {}
        with self._db.read() as conn:
            for chunk in chunks(list(keys)):
                rows = conn.execute(
                    select(papers.c.id, papers.c.title_key).where(papers.c.title_key.in_(chunk))
                )
                for paper_id, key in rows:
                    title = keys[key]
                    if title not in found or is_derived(found[title]):
                        found[title] = paper_id
        return found

    def live_ids(self, ids: Collection[str]) -> set[str]:
        """The ids among ``ids`` of papers stored and not deleted."""
        found: set[str] = set()
        with self._db.read() as conn:
            for chunk in chunks(list(ids)):
                sql = "SELECT id FROM papers WHERE id IN ({ids}) AND NOT deleted"
                found.update(r[0] for r in driver_rows(conn, sql, ids=chunk))
        return found

    def ids_by_doi(self, dois: Collection[str]) -> dict[str, str]:
        """Map DOIs (lower case) to the id of a live stored paper with that DOI, in any case
        (an arXiv id before a derived one)."""
        from sqlalchemy import func, select

        from paperwire.store.schema import papers

        found: dict[str, str] = {}
        doi = func.lower(papers.c.doi)
        with self._db.read() as conn:
            for chunk in chunks([d for d in dois if matchable(d)]):
                rows = conn.execute(
                    select(papers.c.id, doi).where(doi.in_(chunk), papers.c.deleted.is_(False))
                )
                for paper_id, key in rows:
                    if key not in found or is_derived(found[key]):
                        found[key] = paper_id
        return found

    def input_digests(self, ids: Collection[str]) -> dict[str, dict[str, str]]:
        """``paper id -> {source: fingerprint}`` for the stored papers among ``ids``."""
        import orjson
        from sqlalchemy import select

        from paperwire.store.schema import papers

        found: dict[str, dict[str, str]] = {}
        with self._db.read() as conn:
            for chunk in chunks(list(ids)):
                rows = conn.execute(
                    select(papers.c.id, papers.c.input_digests).where(
                        papers.c.id.in_(chunk), papers.c.input_digests.is_not(None)
                    )
                )
                found.update((pid, orjson.loads(digests)) for pid, digests in rows)
        return found

    def update_papers(self, ids: Collection[str], decide: Decide) -> WriteResult:
        """Read the stored papers for ``ids``, let ``decide`` (pure) say which papers to write,
        and write them with fresh change sequence numbers, all in one ordered transaction. A
        paper that differs from the stored one only by its source fingerprints gets them
        written in place: no new change number (nothing to index again), not "updated"."""
        from sqlalchemy import bindparam, update

        from paperwire.store.schema import counters, papers

        with self._db.write(ordered=True) as conn:
            existing = _fetch_papers(conn, ids)
            to_write: list[Paper] = []
            fingerprints: list[dict[str, str | None]] = []
            for paper in decide(existing):
                if existing.get(paper.id) == paper:
                    fingerprints.append({"paper_id": paper.id, "digests": digests_value(paper)})
                else:
                    to_write.append(paper)
            if fingerprints:
                conn.execute(
                    update(papers)
                    .where(papers.c.id == bindparam("paper_id"))
                    .values(input_digests=bindparam("digests")),
                    fingerprints,
                )
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
            conn.execute(upsert(conn, papers), rows)
            return WriteResult(
                new=[p.id for p in to_write if p.id not in existing],
                updated=[p.id for p in to_write if p.id in existing],
            )

    def iter_papers(self, batch_size: int = 1000) -> Iterator[Paper]:
        """Every paper (deleted ones included) in id order, in constant memory."""
        last = ""
        while True:
            with self._db.read() as conn:
                page = _query_papers(conn, "id > {p} ORDER BY id LIMIT {p}", (last, batch_size))
            if not page:
                return
            yield from page
            last = page[-1].id

    def changes_since(self, seq: int, limit: int = 1000) -> list[Paper]:
        """Papers changed after change number ``seq`` (tombstones included), oldest first."""
        with self._db.read() as conn:
            return _query_papers(conn, "seq > {p} ORDER BY seq LIMIT {p}", (seq, limit))

    def count_changes_since(self, seq: int) -> int:
        from sqlalchemy import func, select

        from paperwire.store.schema import papers

        with self._db.read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(papers).where(papers.c.seq > seq)
                ).scalar_one()
            )

    def refresh_statistics(self) -> None:
        """After a bulk write, let PostgreSQL's planner see the new rows: ``VACUUM (ANALYZE)``
        of the papers (it cannot run inside a transaction). Right after importing 1M papers
        nothing had been analysed or vacuumed yet, so a month's count and page read 2,543
        table blocks each (25 ms) instead of the covering index alone (2-3 ms after this
        2.4 s statement; issue 14). SQLite's plans here need no statistics: nothing to do."""
        if self._db.is_sqlite:
            return
        with self._db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE) papers"
            )

    # -- feeds ---------------------------------------------------------------------------
    def latest_feed_day(self, *, min_upvotes: int = 0) -> date | None:
        """The latest feed day with live papers (with at least ``min_upvotes``)."""
        with self._db.read() as conn:
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
        with self._db.read() as conn:
            previous, following = conn.execute(query).one()
        return as_date(previous), as_date(following)

    def papers_in_days(
        self, start: date, end: date, *, limit: int, offset: int = 0, min_upvotes: int = 0
    ) -> tuple[list[Paper], int]:
        """Live papers whose feed day is in [start, end], most upvoted first, and how many."""
        count, page = period_queries(start, end, min_upvotes)
        with self._db.read() as conn:
            total = int(conn.execute(count).scalar_one())
            ids = [r[0] for r in conn.execute(page.limit(limit).offset(offset))]
            found = _fetch_papers(conn, ids)
        return [found[i] for i in ids if i in found], total

    def ids_in_days(self, start: date, end: date, *, limit: int) -> list[str]:
        """Ids of the live papers whose feed day is in [start, end], most upvoted first (the
        order of ``papers_in_days``), without reading the papers: what a cached ranking of
        the period needs to know it is still the period's."""
        _, page = period_queries(start, end)
        with self._db.read() as conn:
            return [r[0] for r in conn.execute(page.limit(limit))]

    def sample_before(self, day: date, count: int) -> list[Paper]:
        """Up to ``count`` live papers first seen before ``day``, drawn at random but the same
        for the same day (the background a user's model learns "not this" from: a page
        reloaded ranks the same). Change numbers are drawn and looked up by index, so the cost
        follows ``count``, not the size of the store."""
        import random

        from sqlalchemy import select

        from paperwire.store.schema import counters, papers

        with self._db.read() as conn:
            top = int(
                conn.execute(
                    select(counters.c.value).where(counters.c.name == "paper_seq")
                ).scalar_one_or_none()
                or 0
            )
            # Twice as many as needed: some numbers belong to newer or re-changed papers.
            drawn = random.Random(day.toordinal()).sample(range(1, top + 1), min(top, 2 * count))
            order = {seq: k for k, seq in enumerate(drawn)}
            found: list[tuple[int, str]] = []
            for chunk in chunks(drawn):
                rows = conn.execute(
                    select(papers.c.seq, papers.c.id).where(
                        papers.c.seq.in_(chunk),
                        papers.c.deleted.is_(False),
                        papers.c.first_seen < day,
                    )
                )
                found.extend((order[int(seq)], paper_id) for seq, paper_id in rows)
            ids = [paper_id for _, paper_id in sorted(found)[:count]]
            fetched = _fetch_papers(conn, ids)
        return [fetched[i] for i in ids if i in fetched]

    def papers_by_submitter(self, name: str, *, limit: int, offset: int = 0) -> list[Paper]:
        from sqlalchemy import select

        from paperwire.store.schema import papers

        if not matchable(name):
            return []
        with self._db.read() as conn:
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

    def anonymise_submitter(self, username: str) -> int:
        """Drop ``username``'s credit from the papers a member of this site submitted under
        it (a Hugging Face curator of the same name keeps theirs); how many changed. The
        papers keep their feed day and their "community" source."""
        from sqlalchemy import select

        from paperwire.store.schema import papers

        with self._db.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(select(papers.c.id).where(papers.c.submitted_by == username))
            ]

        def uncredit(found: dict[str, Paper]) -> list[Paper]:
            return [
                dataclasses.replace(p, submitted_by=None)
                for p in found.values()
                if p.submitted_by == username and "community" in p.sources
            ]

        return len(self.update_papers(ids, uncredit).updated) if ids else 0

    def papers_after(self, cursor: str, limit: int) -> list[Paper]:
        """Live papers in id order after ``cursor`` (keyset pagination for the API)."""
        with self._db.read() as conn:
            return _query_papers(
                conn, "id > {p} AND NOT deleted ORDER BY id LIMIT {p}", (cursor, limit)
            )

    def live_count(self) -> int:
        with self._db.read() as conn:
            rows = driver_rows(conn, "SELECT count(*) FROM papers WHERE NOT deleted")
        return int(rows[0][0])

    def listing(self, offset: int, limit: int) -> list[tuple[str, date | None]]:
        """Live papers' ids in id order, each with the day it last changed at its source
        (the sitemap's pages: numbered, so an offset rather than a cursor)."""
        with self._db.read() as conn:
            rows = driver_rows(
                conn,
                "SELECT id, coalesce(updated, published), first_seen FROM papers"
                " WHERE NOT deleted ORDER BY id LIMIT {p} OFFSET {p}",
                (limit, offset),
            )
        # str()[:10]: the day of a timestamp, whether the driver gives text or a datetime.
        return [(row[0], as_date(str(row[1])[:10] if row[1] else row[2])) for row in rows]

    def stats(self) -> dict[str, Any]:
        from sqlalchemy import func, select

        from paperwire.store.schema import counters, papers

        with self._db.read() as conn:
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


def period_queries(start: date, end: date, min_upvotes: int = 0) -> tuple[Select[Any], Select[Any]]:
    """How many live papers a period (feed days [start, end]) has, and their ids most upvoted
    first: what every day, week and month page asks. Both read only the index
    ``ix_papers_feed`` (feed day, deleted, upvotes, id), never the papers' rows, so their
    cost follows the period's size, in index entries (tests/test_query_plans.py)."""
    from sqlalchemy import func, select

    from paperwire.store.schema import papers

    where = [papers.c.feed_day >= start, papers.c.feed_day <= end, papers.c.deleted.is_(False)]
    votes = func.coalesce(papers.c.upvotes, 0)
    if min_upvotes:
        where.append(votes >= min_upvotes)
    count = select(func.count()).select_from(papers).where(*where)
    page = (
        select(papers.c.id)
        .where(*where)
        .order_by(votes.desc(), papers.c.feed_day.desc(), papers.c.id)
    )
    return count, page


def latest_feed_day_on(conn: Connection, min_upvotes: int = 0) -> date | None:
    """``Papers.latest_feed_day`` inside an open connection (a page's card queries share one)."""
    sql = "SELECT max(feed_day) FROM papers WHERE NOT deleted"
    if min_upvotes:
        sql += " AND coalesce(upvotes, 0) >= {p}"
    rows = driver_rows(conn, sql, (min_upvotes,) if min_upvotes else ())
    return as_date(rows[0][0])


def _get_paper_sqlite(path: Path, paper_id: str) -> Paper | None:
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


def _fetch_papers(conn: Connection, ids: Collection[str]) -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    for chunk in chunks(list(ids)):
        found.update((p.id, p) for p in _query_papers(conn, "id IN ({ids})", ids=chunk))
    return found
