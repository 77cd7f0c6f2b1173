"""The queries whose cost would grow with the whole store use an index, on both databases
(issue 14): their plans, asked of the real SQLite and PostgreSQL with EXPLAIN.

On a test-sized table PostgreSQL's planner rightly prefers reading the whole table, so the
plan is asked with sequential and bitmap scans priced out: what is checked is that the index
answers the query alone (an index-only scan), which is what it does on a store of millions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from paperwire.demo import demo_files
from paperwire.service import Service
from paperwire.service import papers as papers_part
from paperwire.store import Store
from paperwire.store.papers import period_queries


def plan(store: Store, query: Any) -> str:
    """The database's plan for ``query`` (its literal SQL), as one string."""
    with store.db.read() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if store.is_sqlite:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return "\n".join(str(row[-1]) for row in rows)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        return "\n".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {sql}").all())


def index_only(store: Store, query: Any, index: str) -> bool:
    found = plan(store, query)
    if store.is_sqlite:
        return f"COVERING INDEX {index}" in found
    return f"Index Only Scan using {index}" in found


def test_a_periods_count_and_page_read_only_the_feed_index(store: Store) -> None:
    for min_upvotes in (0, 1):
        count, page = period_queries(date(2026, 6, 1), date(2026, 6, 30), min_upvotes)
        assert index_only(store, count, "ix_papers_feed"), plan(store, count)
        assert index_only(store, page.limit(30), "ix_papers_feed"), plan(store, page)


def test_statistics_are_refreshed_after_a_bulk_write(store: Store) -> None:
    """PostgreSQL plans a freshly imported table without statistics (a month's page read
    every row of the month at 1M papers); ``refresh_statistics`` vacuums and analyses it."""
    store.papers.refresh_statistics()
    if store.is_sqlite:
        return  # nothing to refresh: SQLite's plans above need no statistics
    with store.db.read() as conn:
        vacuumed, analysed = conn.exec_driver_sql(
            "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = 'papers'"
        ).one()
    assert vacuumed is not None and analysed is not None


def test_a_bulk_import_refreshes_them(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(service.store.papers, "refresh_statistics", lambda: calls.append(True))
    first, *rest = demo_files()
    monkeypatch.setattr(papers_part, "BULK_WRITE", 10**9)
    service.papers.import_files([first])
    assert calls == []  # a small import leaves them to autovacuum
    monkeypatch.setattr(papers_part, "BULK_WRITE", 1)
    assert service.papers.import_files(rest).new > 0
    assert calls == [True]
