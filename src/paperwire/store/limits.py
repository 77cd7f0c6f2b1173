"""Rate-limit counters: how many events a bucket saw in a window, shared by every process
sharing the store. Plain SQL, no policy: the service decides the buckets, windows and limits.
Counting is one statement, atomic on both databases (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``): concurrent requests never lose an increment. No change sequence is bumped, so
no ordering lock is taken (see ``base``)."""

from __future__ import annotations

from paperwire.store.base import Database, dialect_insert

MAX_BUCKET = 255  # the column's width


class Limits:
    def __init__(self, db: Database) -> None:
        self._db = db

    def count(self, bucket: str, window_start: int) -> int:
        """Count one event in the window; the window's count with it."""
        from paperwire.store.schema import rate_limits

        with self._db.write() as conn:
            stmt = dialect_insert(conn, rate_limits).values(
                bucket=bucket[:MAX_BUCKET], window_start=window_start, count=1
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["bucket", "window_start"],
                set_={"count": rate_limits.c.count + 1},
            ).returning(rate_limits.c.count)
            return int(conn.execute(stmt).scalar_one())

    def peek(self, bucket: str, window_start: int) -> int:
        """The window's count, without counting."""
        from sqlalchemy import select

        from paperwire.store.schema import rate_limits

        with self._db.read() as conn:
            value = conn.execute(
                select(rate_limits.c.count).where(
                    rate_limits.c.bucket == bucket[:MAX_BUCKET],
                    rate_limits.c.window_start == window_start,
                )
            ).scalar_one_or_none()
        return int(value or 0)

    def delete_before(self, window_start: int) -> int:
        """Forget the windows that started before ``window_start``; how many."""
        from paperwire.store.schema import rate_limits

        with self._db.write() as conn:
            result = conn.execute(
                rate_limits.delete().where(rate_limits.c.window_start < window_start)
            )
        return int(result.rowcount)

    def clear(self) -> None:
        """Every counter gone (tests, and an operator lifting every limit at once)."""
        from paperwire.store.schema import rate_limits

        with self._db.write() as conn:
            conn.execute(rate_limits.delete())
