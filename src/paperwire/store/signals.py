"""A user's private "For you" signals (issue 12): papers marked "not interested" and the
terms of each ``SignalKind`` (muted authors, categories and words; the author names the user
claims as their own). Every query takes the user explicitly, so no one reads another's
signals; they go with the account (``People.delete_user``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import orjson

from paperwire.models import SignalKind, UserSignals
from paperwire.store.base import Database, chunks, dialect_insert
from paperwire.store.rows import as_date, as_datetime, utc


class Signals:
    def __init__(self, db: Database) -> None:
        self._db = db

    def of_user(self, user_id: int) -> UserSignals:
        """Everything the user gave, in one read transaction; terms in the order added."""
        return self.of_users([user_id])[user_id]

    def of_users(self, user_ids: Sequence[int]) -> dict[int, UserSignals]:
        """``of_user`` for many users in three queries per chunk of them (a digest run's page
        of For-you subscribers); every user asked for has an entry."""
        from sqlalchemy import select

        from paperwire.store.schema import not_interested, own_papers, signal_terms

        papers: dict[int, set[str]] = {u: set() for u in user_ids}
        terms: dict[int, dict[str, list[str]]] = {u: {} for u in user_ids}
        own: dict[int, dict[str, datetime]] = {u: {} for u in user_ids}
        with self._db.read() as conn:
            for chunk in chunks(list(papers)):
                for user_id, paper_id in conn.execute(
                    select(not_interested.c.user_id, not_interested.c.paper_id).where(
                        not_interested.c.user_id.in_(chunk)
                    )
                ):
                    papers[user_id].add(paper_id)
                for user_id, kind, term in conn.execute(
                    select(signal_terms.c.user_id, signal_terms.c.kind, signal_terms.c.term)
                    .where(signal_terms.c.user_id.in_(chunk))
                    .order_by(signal_terms.c.created_at, signal_terms.c.term_key)
                ):
                    terms[user_id].setdefault(kind, []).append(term)
                for user_id, paper_id, at in conn.execute(
                    select(own_papers.c.user_id, own_papers.c.paper_id, own_papers.c.at).where(
                        own_papers.c.user_id.in_(chunk)
                    )
                ):
                    own[user_id][paper_id] = utc(at)
        return {
            u: UserSignals(
                not_interested=frozenset(papers[u]),
                muted_authors=tuple(terms[u].get(SignalKind.MUTED_AUTHOR, ())),
                muted_categories=tuple(terms[u].get(SignalKind.MUTED_CATEGORY, ())),
                muted_words=tuple(terms[u].get(SignalKind.MUTED_WORD, ())),
                own_names=tuple(terms[u].get(SignalKind.OWN_NAME, ())),
                own_papers=own[u],
            )
            for u in user_ids
        }

    def marked(self, user_id: int, paper_ids: list[str]) -> set[str]:
        """Which of ``paper_ids`` the user marked "not interested" (for their cards)."""
        from sqlalchemy import select

        from paperwire.store.schema import not_interested

        found: set[str] = set()
        with self._db.read() as conn:
            for part in chunks(paper_ids):
                found.update(
                    r[0]
                    for r in conn.execute(
                        select(not_interested.c.paper_id).where(
                            not_interested.c.user_id == user_id,
                            not_interested.c.paper_id.in_(part),
                        )
                    )
                )
        return found

    def counts(self, user_id: int) -> tuple[int, int]:
        """(papers marked "not interested", terms of every kind) of the user."""
        from sqlalchemy import func, select

        from paperwire.store.schema import not_interested, signal_terms

        with self._db.read() as conn:
            papers = conn.execute(
                select(func.count()).where(not_interested.c.user_id == user_id)
            ).scalar_one()
            terms = conn.execute(
                select(func.count()).where(signal_terms.c.user_id == user_id)
            ).scalar_one()
        return int(papers), int(terms)

    def mark_not_interested(self, user_id: int, paper_id: str, now: datetime) -> bool:
        """False when the paper was already marked."""
        from paperwire.store.schema import not_interested

        with self._db.write() as conn:
            stmt = dialect_insert(conn, not_interested).values(
                user_id=user_id, paper_id=paper_id, created_at=now
            )
            # RETURNING, not rowcount: psycopg counts a skipped conflicting row as one.
            added = conn.execute(
                stmt.on_conflict_do_nothing().returning(not_interested.c.user_id)
            ).first()
        return added is not None

    def unmark_not_interested(self, user_id: int, paper_id: str) -> bool:
        """False when the paper was not marked."""
        from sqlalchemy import delete

        from paperwire.store.schema import not_interested

        with self._db.write() as conn:
            result = conn.execute(
                delete(not_interested).where(
                    not_interested.c.user_id == user_id, not_interested.c.paper_id == paper_id
                )
            )
        return bool(result.rowcount)

    def add_term(
        self,
        user_id: int,
        kind: SignalKind,
        key: str,
        term: str,
        now: datetime,
        papers: Mapping[str, datetime] | None = None,
    ) -> bool:
        """False when the user already has a term of that kind and key (kept as it was).
        ``papers``: an own name's papers (``papers_by_names``), kept with it."""
        from paperwire.store.schema import own_papers, signal_terms

        with self._db.write() as conn:
            stmt = dialect_insert(conn, signal_terms).values(
                user_id=user_id, kind=kind.value, term_key=key, term=term, created_at=now
            )
            added = conn.execute(
                stmt.on_conflict_do_nothing().returning(signal_terms.c.user_id)
            ).first()
            rows = [
                {"user_id": user_id, "name_key": key, "paper_id": paper_id, "at": at}
                for paper_id, at in (papers or {}).items()
            ]
            for part in chunks(rows):
                conn.execute(dialect_insert(conn, own_papers).on_conflict_do_nothing(), part)
        return added is not None

    def remove_term(self, user_id: int, kind: SignalKind, key: str) -> bool:
        from sqlalchemy import delete

        from paperwire.store.schema import own_papers, signal_terms

        with self._db.write() as conn:
            result = conn.execute(
                delete(signal_terms).where(
                    signal_terms.c.user_id == user_id,
                    signal_terms.c.kind == kind.value,
                    signal_terms.c.term_key == key,
                )
            )
            if kind is SignalKind.OWN_NAME:
                conn.execute(
                    delete(own_papers).where(
                        own_papers.c.user_id == user_id, own_papers.c.name_key == key
                    )
                )
        return bool(result.rowcount)

    def own_paper_count(self, user_id: int) -> int:
        """How many papers the user's claimed names hold (a paper of two names once)."""
        from sqlalchemy import func, select

        from paperwire.store.schema import own_papers

        with self._db.read() as conn:
            found = conn.execute(
                select(func.count(func.distinct(own_papers.c.paper_id))).where(
                    own_papers.c.user_id == user_id
                )
            ).scalar_one()
        return int(found)

    def papers_by_names(self, names: list[str], limit: int) -> dict[str, datetime]:
        """The newest ``limit`` live papers with an author named exactly one of ``names``
        (case-blind), each with its publication time (or its first day): a user's own papers
        as "For you" positives. A scan of the author lists (JSON text), narrowed in SQL by
        the JSON-quoted name and checked exactly here: run once, when a name is claimed."""
        from sqlalchemy import func, or_, select

        from paperwire.store.schema import papers

        wanted = {name.casefold() for name in names}
        if not wanted or limit <= 0:
            return {}
        lowered = func.lower(papers.c.authors)
        patterns = [
            lowered.like("%" + _escape_like(orjson.dumps(name).decode().lower()) + "%", "\\")
            for name in sorted(wanted)
        ]
        found: dict[str, datetime] = {}
        with self._db.read() as conn:
            rows = conn.execute(
                select(papers.c.id, papers.c.authors, papers.c.published, papers.c.first_seen)
                .where(papers.c.deleted.is_(False), or_(*patterns))
                .order_by(papers.c.first_seen.desc().nulls_last(), papers.c.id)
                .limit(limit * 2)  # room for near misses ("Ann Lee" inside "Joann Lee")
            ).all()
        for row in rows:
            authors: list[Any] = orjson.loads(row.authors)
            if not any(str(a).casefold() in wanted for a in authors):
                continue
            when = as_datetime(row.published)
            if when is None:
                day = as_date(row.first_seen)
                when = datetime.combine(day or date.min, time(), UTC)
            found[row.id] = when
            if len(found) == limit:
                break
        return found


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
