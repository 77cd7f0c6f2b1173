"""Accounts and sessions. Every query that touches a user's data takes the user explicitly."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from paperwire.errors import DuplicateError as DuplicateError  # re-exported for store.community
from paperwire.models import User
from paperwire.store.rows import utc

if TYPE_CHECKING:
    from paperwire.store import Store


def _user(row: Any) -> User:
    return User(row.id, row.username, row.email, bool(row.is_admin), utc(row.created_at))


class People:
    def __init__(self, store: Store) -> None:
        self._store = store

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

        with self._store._connect(write=True) as conn:
            clash = func.lower(users.c.username) == username.lower()
            if email:
                clash = or_(clash, users.c.email == email)
            taken = conn.execute(select(users.c.username, users.c.email).where(clash)).first()
            if taken is not None:
                what = "username" if taken.username.lower() == username.lower() else "e-mail"
                raise DuplicateError(f"that {what} is already registered")
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

        with self._store._connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def _one(self, condition: Any) -> User | None:
        from sqlalchemy import select

        from paperwire.store.schema import users

        with self._store._connect() as conn:
            row = conn.execute(select(users).where(condition)).first()
        return _user(row) if row is not None else None

    def by_id(self, user_id: int) -> User | None:
        from paperwire.store.schema import users

        return self._one(users.c.id == user_id)

    def by_username(self, username: str) -> User | None:
        from sqlalchemy import func

        from paperwire.store.schema import users

        return self._one(func.lower(users.c.username) == username.lower())

    def password_hash(self, user_id: int) -> str | None:
        from sqlalchemy import select

        from paperwire.store.schema import users

        with self._store._connect() as conn:
            value = conn.execute(
                select(users.c.password_hash).where(users.c.id == user_id)
            ).scalar_one_or_none()
        return str(value) if value is not None else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        from sqlalchemy import update

        from paperwire.store.schema import users

        with self._store._connect(write=True) as conn:
            conn.execute(
                update(users).where(users.c.id == user_id).values(password_hash=password_hash)
            )

    def delete_user(self, user_id: int) -> None:
        """The account and everything it owns (votes, comments, collections, sessions)."""
        from sqlalchemy import delete, update

        from paperwire.store import schema

        with self._store._connect(write=True) as conn:
            # Explicit deletes: SQLite enforces ON DELETE CASCADE only with foreign_keys on,
            # and being explicit keeps both databases identical.
            owned = schema.collections.c.user_id == user_id
            ids = [r.id for r in conn.execute(schema.collections.select().where(owned))]
            if ids:
                conn.execute(
                    delete(schema.collection_items).where(
                        schema.collection_items.c.collection_id.in_(ids)
                    )
                )
            for table in (schema.collections, schema.comments, schema.votes, schema.sessions):
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

        with self._store._connect(write=True) as conn:
            conn.execute(
                insert(sessions).values(
                    token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires
                )
            )

    def session_user(self, token_hash: str, now: datetime) -> User | None:
        from sqlalchemy import select

        from paperwire.store.schema import sessions, users

        with self._store._connect() as conn:
            row = conn.execute(
                select(users, sessions.c.expires_at)
                .join(sessions, sessions.c.user_id == users.c.id)
                .where(sessions.c.token_hash == token_hash)
            ).first()
        if row is None or utc(row.expires_at) <= now:
            return None
        return _user(row)

    def delete_sessions(self, user_id: int, *, except_hash: str | None = None) -> None:
        from sqlalchemy import delete

        from paperwire.store.schema import sessions

        with self._store._connect(write=True) as conn:
            stmt = delete(sessions).where(sessions.c.user_id == user_id)
            if except_hash is not None:
                stmt = stmt.where(sessions.c.token_hash != except_hash)
            conn.execute(stmt)

    def delete_session(self, token_hash: str) -> None:
        from sqlalchemy import delete

        from paperwire.store.schema import sessions

        with self._store._connect(write=True) as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def delete_expired_sessions(self, now: datetime) -> int:
        """Sessions past their expiry (they no longer log anyone in); how many went."""
        from sqlalchemy import delete

        from paperwire.store.schema import sessions

        with self._store._connect(write=True) as conn:
            return conn.execute(delete(sessions).where(sessions.c.expires_at <= now)).rowcount
