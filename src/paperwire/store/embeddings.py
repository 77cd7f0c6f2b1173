"""Embeddings: float16 vectors per (paper, model), with their own change sequence.

Writes are ordered (see ``base``) for the same reason as paper writes: an index catching up
after embedding sequence N must never later find a smaller one committed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from paperwire.store.base import Database, chunks, upsert


class Embeddings:
    def __init__(self, db: Database) -> None:
        self._db = db

    def embedding_hashes(self, model: str, ids: Collection[str]) -> dict[str, str]:
        """``paper id -> text hash`` of the stored vectors (tombstones excluded)."""
        return dict(self._of_papers(model, ids, "text_hash"))

    def vectors_of(self, model: str, ids: Collection[str]) -> dict[str, bytes]:
        """``paper id -> vector bytes`` (float16) of the papers ``ids`` that have one."""
        return {pid: bytes(vector) for pid, vector in self._of_papers(model, ids, "vector")}

    def _of_papers(self, model: str, ids: Collection[str], column: str) -> list[tuple[str, Any]]:
        """``(paper id, column)`` of the stored vectors of the papers ``ids`` (no tombstones)."""
        from sqlalchemy import func, select

        from paperwire.store.schema import embeddings as emb

        found: list[tuple[str, Any]] = []
        with self._db.read() as conn:
            for chunk in chunks(list(ids)):
                rows = conn.execute(
                    select(emb.c.paper_id, emb.c[column]).where(
                        emb.c.model == model,
                        emb.c.paper_id.in_(chunk),
                        func.length(emb.c.vector) > 0,
                    )
                )
                found.extend((pid, value) for pid, value in rows)
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
        with self._db.write(ordered=True) as conn:
            if rows:
                top = conn.execute(
                    update(counters)
                    .where(counters.c.name == "embedding_seq")
                    .values(value=counters.c.value + len(rows))
                    .returning(counters.c.value)
                ).scalar_one()
                first = top - len(rows) + 1
                conn.execute(
                    upsert(conn, emb, "paper_id", "model"),
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
                    upsert(conn, counters, "name"), [{"name": cursor[0], "value": cursor[1]}]
                )

    def embeddings_since(
        self, model: str, seq: int, limit: int = 5000
    ) -> list[tuple[str, bytes, int]]:
        """``(paper id, vector bytes or b"" for a tombstone, seq)`` after ``seq``, in order."""
        from sqlalchemy import select

        from paperwire.store.schema import embeddings as emb

        with self._db.read() as conn:
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

        with self._db.read() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(emb)
                    .where(emb.c.model == model, func.length(emb.c.vector) > 0)
                ).scalar_one()
            )
