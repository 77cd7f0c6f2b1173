"""Accounts and sessions. Every query that touches a user's data takes the user explicitly.

Sessions (sign-in, sign-out) are single statements and take no lock beyond their own rows.
Sign-up checks names and e-mail addresses case-insensitively before inserting, which a unique
index cannot do (and a migration may not add), so
sign-ups are serialised among themselves by a lock of their own (not the ordering lock of
``base``, which only change-sequence writes take)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paperwire.errors import DuplicateError as DuplicateError  # re-exported for store.community
from paperwire.models import User
from paperwire.store.base import Database
from paperwire.store.rows import matchable, utc


def user_from_row(row: Any) -> User:
    """A ``users`` row (or a join that holds its columns) as a User."""
    return User(row.id, row.username, row.email, bool(row.is_admin), utc(row.created_at))


# Names the sign-up lock on PostgreSQL (any bigint other than the ordering lock's).
_SIGNUP_LOCK = 0x75736572


class People:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create_user(
        self,
        username: str,
        email: str | None,
        password_hash: str,
        *,
        is_admin: bool,
        now: datetime,
    ) -> User:
        from sqlalchemy import func, insert, or_, select

        from paperwire.store.schema import users

        with self._db.write() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SIGNUP_LOCK})")
            clash = func.lower(users.c.username) == username.lower()
            if email:
                # The whole address: Bob@x.org and bob@x.org reach the same person in practice.
                clash = or_(clash, func.lower(users.c.email) == email.lower())
            taken = conn.execute(select(users.c.username, users.c.email).where(clash)).first()
            if taken is not None:
                if taken.username.lower() == username.lower():
                    raise DuplicateError("that username is already registered")
                # Names are public, addresses are not: say as little as a refusal allows.
                raise DuplicateError("e-mail: that address cannot be used; try another one")
            new_id = conn.execute(
                insert(users)
                .values(
                    username=username,
                    email=email,
                    password_hash=password_hash,
                    is_admin=is_admin,
                    created_at=now,
                )
                .returning(users.c.id)
            ).scalar_one()
        user = self.by_id(int(new_id))
        assert user is not None
        return user

    def count(self) -> int:
        from sqlalchemy import func, select

        from paperwire.store.schema import users

        with self._db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def all(self) -> list[User]:
        """Every account, oldest first (`paperwire user list`)."""
        from sqlalchemy import select

        from paperwire.store.schema import users

        with self._db.read() as conn:
            return [user_from_row(row) for row in conn.execute(select(users).order_by(users.c.id))]

    def _one(self, condition: Any) -> User | None:
        from sqlalchemy import select

        from paperwire.store.schema import users

        with self._db.read() as conn:
            row = conn.execute(select(users).where(condition)).first()
        return user_from_row(row) if row is not None else None

    def by_id(self, user_id: int) -> User | None:
        from paperwire.store.schema import users

        return self._one(users.c.id == user_id)

    def by_username(self, username: str) -> User | None:
        from sqlalchemy import func

        from paperwire.store.schema import users

        if not matchable(username):
            return None
        return self._one(func.lower(users.c.username) == username.lower())

    def password_hash(self, user_id: int) -> str | None:
        from sqlalchemy import select

        from paperwire.store.schema import users

        with self._db.read() as conn:
            value = conn.execute(
                select(users.c.password_hash).where(users.c.id == user_id)
            ).scalar_one_or_none()
        return str(value) if value is not None else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        from sqlalchemy import update

        from paperwire.store.schema import users

        with self._db.write() as conn:
            conn.execute(
                update(users).where(users.c.id == user_id).values(password_hash=password_hash)
            )

    def delete_user(self, user_id: int) -> None:
        """The account and everything it owns (votes, comments, collections, sessions, access
        tokens, "For you" signals)."""
        from sqlalchemy import delete, update

        from paperwire.store import schema

        with self._db.write() as conn:
            # Both databases enforce foreign keys (SQLite's are switched on for every
            # connection in ``base``) and the schema's ON DELETE rules would do the same;
            # the explicit statements say in one place what goes and what stays (a
            # submission keeps its paper and loses its user).
            owned = schema.collections.c.user_id == user_id
            ids = [r.id for r in conn.execute(schema.collections.select().where(owned))]
            if ids:
                conn.execute(
                    delete(schema.collection_items).where(
                        schema.collection_items.c.collection_id.in_(ids)
                    )
                )
            for table in (
                schema.collections,
                schema.comments,
                schema.votes,
                schema.sessions,
                schema.access_tokens,
                schema.waiting_submissions,
                schema.not_interested,
                schema.signal_terms,
                schema.own_papers,
            ):
                conn.execute(delete(table).where(table.c.user_id == user_id))
            conn.execute(
                update(schema.submissions)
                .where(schema.submissions.c.user_id == user_id)
                .values(user_id=None)
            )
            conn.execute(delete(schema.users).where(schema.users.c.id == user_id))

    # -- sessions ------------------------------------------------------------------------
    def create_session(
        self, user_id: int, token_hash: str, now: datetime, expires: datetime
    ) -> None:
        from sqlalchemy import insert

        from paperwire.store.schema import sessions

        with self._db.write() as conn:
            conn.execute(
                insert(sessions).values(
                    token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires
                )
            )

    def session_user(self, token_hash: str, now: datetime) -> User | None:
        from sqlalchemy import select

        from paperwire.store.schema import sessions, users

        with self._db.read() as conn:
            row = conn.execute(
                select(users, sessions.c.expires_at)
                .join(sessions, sessions.c.user_id == users.c.id)
                .where(sessions.c.token_hash == token_hash)
            ).first()
        if row is None or utc(row.expires_at) <= now:
            return None
        return user_from_row(row)

    def delete_sessions(self, user_id: int, *, except_hash: str | None = None) -> None:
        from sqlalchemy import delete

        from paperwire.store.schema import sessions

        with self._db.write() as conn:
            stmt = delete(sessions).where(sessions.c.user_id == user_id)
            if except_hash is not None:
                stmt = stmt.where(sessions.c.token_hash != except_hash)
            conn.execute(stmt)

    def delete_session(self, token_hash: str) -> None:
        from sqlalchemy import delete

        from paperwire.store.schema import sessions

        with self._db.write() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def delete_expired_sessions(self, now: datetime) -> int:
        """Sessions past their expiry (they no longer log anyone in); how many went."""
        from sqlalchemy import delete

        from paperwire.store.schema import sessions

        with self._db.write() as conn:
            gone = conn.execute(
                delete(sessions).where(sessions.c.expires_at <= now).returning(sessions.c.user_id)
            )
            return len(gone.all())
