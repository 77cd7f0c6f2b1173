"""Votes, comments, collections and submissions. Each call that acts for a person takes that
person's id and checks ownership in the SQL itself (``WHERE id = ? AND user_id = ?``), so no
code path can touch another user's data by forgetting a check. None of these writes takes the
ordering lock (see ``base``): each is one atomic statement or guarded by a unique key."""

from __future__ import annotations

from collections.abc import Collection as Ids
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from paperwire.models import Collection, Comment
from paperwire.store.base import Database, chunks, dialect_insert, driver_rows
from paperwire.store.papers import latest_feed_day_on
from paperwire.store.people import DuplicateError
from paperwire.store.rows import as_datetime, matchable, utc


@dataclass(slots=True)
class CardCounts:
    votes: dict[str, int]  # paper id -> votes cast here (papers without votes are absent)
    comments: dict[str, int]  # paper id -> visible comments
    voted: set[str]  # the papers the viewer voted for
    newest_day: date | None = None  # the latest feed day: "new" badges count from it


# A comment row's columns, in the order ``_comment`` reads them.
_COMMENT_COLUMNS = (
    "comments.id, comments.paper_id, comments.user_id, users.username, comments.body,"
    " comments.created_at, comments.edited_at, comments.hidden"
)


def _comment(row: Sequence[Any]) -> Comment:
    comment_id, paper_id, user_id, username, body, created_at, edited_at, hidden = row
    return Comment(
        comment_id,
        paper_id,
        user_id,
        username,
        body,
        utc(created_at),
        as_datetime(edited_at),
        bool(hidden),
    )


def _collection(row: Any, size: int = 0) -> Collection:
    return Collection(
        row.id,
        row.user_id,
        row.username,
        row.slug,
        row.name,
        row.description,
        bool(row.public),
        utc(row.created_at),
        utc(row.updated_at),
        size,
    )


class Community:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- votes ---------------------------------------------------------------------------
    def toggle_vote(self, user_id: int, paper_id: str, now: datetime) -> bool:
        """Add the user's vote, or take it back; returns whether the user now votes for it,
        as this toggle left it.

        Toggles of one user are serialised by locking the user's row first (``FOR UPDATE``;
        SQLite's ``BEGIN IMMEDIATE`` already serialises every writer and SQLAlchemy leaves the
        clause out there). Without it, two concurrent toggles on PostgreSQL both found no vote
        to delete, both inserted (one a no-op on the unique key) and both answered "voted"
        while the store held one vote."""
        from sqlalchemy import delete, insert, select

        from paperwire.store.schema import users, votes

        with self._db.write() as conn:
            conn.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
            removed = conn.execute(
                delete(votes).where(votes.c.user_id == user_id, votes.c.paper_id == paper_id)
            ).rowcount
            if removed:
                return False
            conn.execute(insert(votes).values(user_id=user_id, paper_id=paper_id, created_at=now))
            return True

    def card_counts(self, paper_ids: Ids[str], viewer_id: int | None = None) -> CardCounts:
        """Votes, visible comments and the viewer's own votes for a page of papers, and the
        latest feed day, read on one connection (every feed and paper page needs them all)."""
        counts = CardCounts({}, {}, set())
        if not paper_ids:
            return counts
        ids = list(paper_ids)
        with self._db.read() as conn:
            rows = driver_rows(
                conn,
                "SELECT paper_id, count(*) FROM votes WHERE paper_id IN ({ids}) GROUP BY paper_id",
                ids=ids,
            )
            counts.votes.update((pid, int(n)) for pid, n in rows)
            rows = driver_rows(
                conn,
                "SELECT paper_id, count(*) FROM comments WHERE paper_id IN ({ids}) "
                "AND NOT hidden GROUP BY paper_id",
                ids=ids,
            )
            counts.comments.update((pid, int(n)) for pid, n in rows)
            if viewer_id is not None and counts.votes:
                # Only papers with votes can carry the viewer's.
                rows = driver_rows(
                    conn,
                    "SELECT paper_id FROM votes WHERE user_id = {p} AND paper_id IN ({ids})",
                    (viewer_id,),
                    ids=list(counts.votes),
                )
                counts.voted.update(r[0] for r in rows)
            counts.newest_day = latest_feed_day_on(conn)
        return counts

    # -- comments ------------------------------------------------------------------------
    def add_comment(self, user_id: int, paper_id: str, body: str, now: datetime) -> int:
        from sqlalchemy import insert

        from paperwire.store.schema import comments

        with self._db.write() as conn:
            return int(
                conn.execute(
                    insert(comments)
                    .values(
                        paper_id=paper_id,
                        user_id=user_id,
                        body=body,
                        created_at=now,
                        hidden=False,
                    )
                    .returning(comments.c.id)
                ).scalar_one()
            )

    def edit_comment(self, user_id: int, comment_id: int, body: str, now: datetime) -> bool:
        from sqlalchemy import update

        from paperwire.store.schema import comments

        with self._db.write() as conn:
            return bool(
                conn.execute(
                    update(comments)
                    .where(comments.c.id == comment_id, comments.c.user_id == user_id)
                    .values(body=body, edited_at=now)
                ).rowcount
            )

    def delete_comment(self, user_id: int, comment_id: int) -> bool:
        from sqlalchemy import delete

        from paperwire.store.schema import comments

        with self._db.write() as conn:
            return bool(
                conn.execute(
                    delete(comments).where(
                        comments.c.id == comment_id, comments.c.user_id == user_id
                    )
                ).rowcount
            )

    def set_comment_hidden(self, comment_id: int, hidden: bool) -> bool:
        """Moderation (the service checks the caller is an admin)."""
        from sqlalchemy import update

        from paperwire.store.schema import comments

        with self._db.write() as conn:
            return bool(
                conn.execute(
                    update(comments).where(comments.c.id == comment_id).values(hidden=hidden)
                ).rowcount
            )

    def comments_for(self, paper_id: str) -> list[Comment]:
        # On the driver's cursor: every paper page asks, and SQLAlchemy's statement
        # building cost a fifth of the page's store time.
        with self._db.read() as conn:
            rows = driver_rows(
                conn,
                f"SELECT {_COMMENT_COLUMNS} FROM comments JOIN users ON users.id ="
                " comments.user_id WHERE comments.paper_id = {p}"
                " ORDER BY comments.created_at, comments.id",
                (paper_id,),
            )
        return [_comment(r) for r in rows]

    def comment(self, comment_id: int) -> Comment | None:
        with self._db.read() as conn:
            rows = driver_rows(
                conn,
                f"SELECT {_COMMENT_COLUMNS} FROM comments JOIN users ON users.id ="
                " comments.user_id WHERE comments.id = {p}",
                (comment_id,),
            )
        return _comment(rows[0]) if rows else None

    # -- collections ---------------------------------------------------------------------
    def create_collection(
        self, user_id: int, slug: str, name: str, description: str, public: bool, now: datetime
    ) -> int:
        from paperwire.store.schema import collections

        with self._db.write() as conn:
            new_id = conn.execute(
                dialect_insert(conn, collections)
                .values(
                    user_id=user_id,
                    slug=slug,
                    name=name,
                    description=description,
                    public=public,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["user_id", "slug"])
                .returning(collections.c.id)
            ).scalar_one_or_none()
        if new_id is None:
            raise DuplicateError(f"you already have a collection called {name!r}")
        return int(new_id)

    def update_collection(
        self,
        user_id: int,
        collection_id: int,
        *,
        name: str,
        description: str,
        public: bool,
        now: datetime,
    ) -> bool:
        from sqlalchemy import update

        from paperwire.store.schema import collections

        with self._db.write() as conn:
            return bool(
                conn.execute(
                    update(collections)
                    .where(collections.c.id == collection_id, collections.c.user_id == user_id)
                    .values(name=name, description=description, public=public, updated_at=now)
                ).rowcount
            )

    def delete_collection(self, user_id: int, collection_id: int) -> bool:
        from sqlalchemy import delete

        from paperwire.store.schema import collection_items, collections

        with self._db.write() as conn:
            deleted = conn.execute(
                delete(collections).where(
                    collections.c.id == collection_id, collections.c.user_id == user_id
                )
            ).rowcount
            if deleted:
                conn.execute(
                    delete(collection_items).where(
                        collection_items.c.collection_id == collection_id
                    )
                )
            return bool(deleted)

    def set_membership(
        self, user_id: int, collection_id: int, paper_id: str, member: bool, now: datetime
    ) -> bool:
        """Add or remove a paper in one of the user's collections; False if not theirs."""
        from sqlalchemy import delete, select, update

        from paperwire.store.schema import collection_items, collections

        with self._db.write() as conn:
            owned = conn.execute(
                select(collections.c.id).where(
                    collections.c.id == collection_id, collections.c.user_id == user_id
                )
            ).first()
            if owned is None:
                return False
            conn.execute(
                delete(collection_items).where(
                    collection_items.c.collection_id == collection_id,
                    collection_items.c.paper_id == paper_id,
                )
            )
            if member:
                conn.execute(
                    dialect_insert(conn, collection_items)
                    .values(collection_id=collection_id, paper_id=paper_id, added_at=now)
                    .on_conflict_do_nothing(index_elements=["collection_id", "paper_id"])
                )
            conn.execute(
                update(collections).where(collections.c.id == collection_id).values(updated_at=now)
            )
            return True

    def add_to_collection(
        self, user_id: int, collection_id: int, paper_ids: Sequence[str], now: datetime
    ) -> int | None:
        """Add papers to one of the user's collections in one transaction (those already in
        it stay as they were); how many were new, or None if the collection is not theirs."""
        from sqlalchemy import func, select, update

        from paperwire.store.schema import collection_items, collections

        with self._db.write() as conn:
            owned = conn.execute(
                select(collections.c.id).where(
                    collections.c.id == collection_id, collections.c.user_id == user_id
                )
            ).first()
            if owned is None:
                return None

            def size() -> int:
                return int(
                    conn.execute(
                        select(func.count())
                        .select_from(collection_items)
                        .where(collection_items.c.collection_id == collection_id)
                    ).scalar_one()
                )

            before = size()
            rows = [
                {"collection_id": collection_id, "paper_id": pid, "added_at": now}
                for pid in dict.fromkeys(paper_ids)
            ]
            if rows:
                conn.execute(
                    dialect_insert(conn, collection_items).on_conflict_do_nothing(
                        index_elements=["collection_id", "paper_id"]
                    ),
                    rows,
                )
            conn.execute(
                update(collections).where(collections.c.id == collection_id).values(updated_at=now)
            )
            return size() - before

    def _select_collections(self) -> Any:
        from sqlalchemy import select

        from paperwire.store.schema import collections, users

        return select(collections, users.c.username).join(
            users, users.c.id == collections.c.user_id
        )

    def collection(self, owner: str, slug: str, viewer_id: int | None) -> Collection | None:
        """A collection by its owner's name and slug, if the viewer may see it."""
        from sqlalchemy import func

        from paperwire.store.schema import collections, users

        if not matchable(owner, slug):
            return None
        with self._db.read() as conn:
            row = conn.execute(
                self._select_collections().where(
                    func.lower(users.c.username) == owner.lower(), collections.c.slug == slug
                )
            ).first()
        if row is None or not (row.public or row.user_id == viewer_id):
            return None
        return _collection(row, len(self.collection_paper_ids(row.id)))

    def collections_of(self, owner_id: int, viewer_id: int | None) -> list[Collection]:
        from sqlalchemy import func, select

        from paperwire.store.schema import collection_items, collections

        query = self._select_collections().where(collections.c.user_id == owner_id)
        if viewer_id != owner_id:
            query = query.where(collections.c.public.is_(True))
        with self._db.read() as conn:
            rows = conn.execute(query.order_by(collections.c.updated_at.desc())).all()
            sizes: dict[int, int] = {}
            if rows:
                counted = conn.execute(
                    select(collection_items.c.collection_id, func.count())
                    .where(collection_items.c.collection_id.in_([r.id for r in rows]))
                    .group_by(collection_items.c.collection_id)
                )
                sizes = {int(cid): int(n) for cid, n in counted}
        return [_collection(r, int(sizes.get(r.id, 0))) for r in rows]

    def collection_paper_ids(self, collection_id: int) -> list[str]:
        from sqlalchemy import select

        from paperwire.store.schema import collection_items

        with self._db.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    select(collection_items.c.paper_id)
                    .where(collection_items.c.collection_id == collection_id)
                    .order_by(collection_items.c.added_at.desc(), collection_items.c.paper_id)
                )
            ]

    def liked(self, user_id: int) -> dict[str, datetime]:
        """The papers a user upvoted or keeps in one of their collections (their private
        "For you" positives), each with the earliest time they did so."""
        from sqlalchemy import select

        from paperwire.store.schema import collection_items, collections, votes

        found: dict[str, datetime] = {}
        with self._db.read() as conn:
            rows = list(
                conn.execute(
                    select(votes.c.paper_id, votes.c.created_at).where(votes.c.user_id == user_id)
                )
            ) + list(
                conn.execute(
                    select(collection_items.c.paper_id, collection_items.c.added_at)
                    .join(collections, collection_items.c.collection_id == collections.c.id)
                    .where(collections.c.user_id == user_id)
                )
            )
        for paper_id, when in rows:
            if paper_id not in found or when < found[paper_id]:
                found[paper_id] = when
        return found

    def liked_by(self, user_ids: Ids[int]) -> dict[int, dict[str, datetime]]:
        """``liked`` for many users in two queries (a digest run's page of subscribers):
        each user asked for has an entry, empty when they have no signals. Read through the
        driver's cursor: a page of 500 users holds ~50,000 rows, and SQLAlchemy's per-row
        processing cost most of the read."""
        found: dict[int, dict[str, datetime]] = {u: {} for u in user_ids}
        with self._db.read() as conn:
            for chunk in chunks(list(found)):
                rows = driver_rows(
                    conn,
                    "SELECT user_id, paper_id, created_at FROM votes WHERE user_id IN ({ids})",
                    ids=chunk,
                ) + driver_rows(
                    conn,
                    "SELECT c.user_id, i.paper_id, i.added_at FROM collection_items i"
                    " JOIN collections c ON i.collection_id = c.id WHERE c.user_id IN ({ids})",
                    ids=chunk,
                )
                for user_id, paper_id, at in rows:
                    mine = found[user_id]
                    when = utc(at)
                    if paper_id not in mine or when < mine[paper_id]:
                        mine[paper_id] = when
        return found

    def collections_containing(self, user_id: int, paper_id: str) -> set[int]:
        from sqlalchemy import select

        from paperwire.store.schema import collection_items, collections

        with self._db.read() as conn:
            return {
                r[0]
                for r in conn.execute(
                    select(collections.c.id)
                    .join(collection_items, collection_items.c.collection_id == collections.c.id)
                    .where(
                        collections.c.user_id == user_id, collection_items.c.paper_id == paper_id
                    )
                )
            }

    # -- submissions ---------------------------------------------------------------------
    def record_submission(self, user_id: int, paper_id: str, now: datetime) -> bool:
        """False when the paper was already submitted (the first submitter keeps credit)."""
        from paperwire.store.schema import submissions

        with self._db.write() as conn:
            inserted = conn.execute(
                dialect_insert(conn, submissions)
                .values(paper_id=paper_id, user_id=user_id, submitted_at=now, removed=False)
                .on_conflict_do_nothing(index_elements=["paper_id"])
                .returning(submissions.c.paper_id)  # an INSERT's rowcount may be -1
            ).scalar_one_or_none()
            return inserted is not None

    def remove_submission(self, paper_id: str) -> bool:
        from sqlalchemy import update

        from paperwire.store.schema import submissions

        with self._db.write() as conn:
            return bool(
                conn.execute(
                    update(submissions)
                    .where(submissions.c.paper_id == paper_id)
                    .values(removed=True)
                ).rowcount
            )

    # -- submissions waiting for arXiv (the service queues them while arXiv is unreachable) ---
    def add_waiting(self, user_id: int, paper_id: str, now: datetime) -> None:
        """Idempotent: the same paper submitted again by the same user waits once."""
        from paperwire.store.schema import waiting_submissions

        with self._db.write() as conn:
            conn.execute(
                dialect_insert(conn, waiting_submissions)
                .values(user_id=user_id, paper_id=paper_id, created_at=now, attempts=0)
                .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
            )

    def waiting_for(self, user_id: int) -> list[tuple[str, datetime]]:
        """A user's waiting papers, oldest first: (paper id, when submitted)."""
        from sqlalchemy import select

        from paperwire.store.schema import waiting_submissions as w

        with self._db.read() as conn:
            rows = conn.execute(
                select(w.c.paper_id, w.c.created_at)
                .where(w.c.user_id == user_id)
                .order_by(w.c.created_at, w.c.paper_id)
            )
            return [(row.paper_id, utc(row.created_at)) for row in rows]

    def all_waiting(self, limit: int) -> list[tuple[int, str]]:
        """(user id, paper id) of the oldest waiting submissions, for the job."""
        from sqlalchemy import select

        from paperwire.store.schema import waiting_submissions as w

        with self._db.read() as conn:
            rows = conn.execute(
                select(w.c.user_id, w.c.paper_id).order_by(w.c.created_at).limit(limit)
            )
            return [(row.user_id, row.paper_id) for row in rows]

    def count_waiting_attempt(self, user_id: int, paper_id: str) -> None:
        from sqlalchemy import update

        from paperwire.store.schema import waiting_submissions as w

        with self._db.write() as conn:
            conn.execute(
                update(w)
                .where(w.c.user_id == user_id, w.c.paper_id == paper_id)
                .values(attempts=w.c.attempts + 1)
            )

    def drop_waiting(self, user_id: int, paper_id: str) -> None:
        from sqlalchemy import delete

        from paperwire.store.schema import waiting_submissions as w

        with self._db.write() as conn:
            conn.execute(delete(w).where(w.c.user_id == user_id, w.c.paper_id == paper_id))
