"""Personal access tokens: the hashes of bearer tokens and whose they are. Every query that
lists or revokes takes the owning user explicitly, so no one reaches another's tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paperwire.models import AccessToken, TokenScope, User
from paperwire.store.base import Database
from paperwire.store.people import user_from_row
from paperwire.store.rows import utc


def _token(row: Any) -> AccessToken:
    return AccessToken(
        id=int(row.id),
        user_id=int(row.user_id),
        name=row.name,
        scope=TokenScope(row.scope),
        prefix=row.prefix,
        created_at=utc(row.created_at),
    )


class Tokens:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        user_id: int,
        token_hash: str,
        prefix: str,
        name: str,
        scope: TokenScope,
        now: datetime,
    ) -> AccessToken:
        from sqlalchemy import insert

        from paperwire.store.schema import access_tokens

        with self._db.write() as conn:
            row = conn.execute(
                insert(access_tokens)
                .values(
                    user_id=user_id,
                    token_hash=token_hash,
                    prefix=prefix,
                    name=name,
                    scope=scope.value,
                    created_at=now,
                )
                .returning(*access_tokens.c)
            ).one()
        return _token(row)

    def of_user(self, user_id: int) -> list[AccessToken]:
        """The user's tokens, newest first."""
        from sqlalchemy import select

        from paperwire.store.schema import access_tokens

        with self._db.read() as conn:
            rows = conn.execute(
                select(access_tokens)
                .where(access_tokens.c.user_id == user_id)
                .order_by(access_tokens.c.created_at.desc(), access_tokens.c.id.desc())
            ).all()
        return [_token(row) for row in rows]

    def revoke(self, user_id: int, token_id: int) -> bool:
        """Delete the user's token ``token_id``; False when the user has no such token."""
        from sqlalchemy import delete

        from paperwire.store.schema import access_tokens

        with self._db.write() as conn:
            result = conn.execute(
                delete(access_tokens).where(
                    access_tokens.c.user_id == user_id, access_tokens.c.id == token_id
                )
            )
        return bool(result.rowcount)

    def holder(self, token_hash: str) -> tuple[User, AccessToken] | None:
        """The user a token hash belongs to, with the token; None for an unknown (or revoked)
        one."""
        from sqlalchemy import select

        from paperwire.store.schema import access_tokens, users

        with self._db.read() as conn:
            row = conn.execute(
                select(
                    users,
                    access_tokens.c.id.label("token_id"),
                    access_tokens.c.name.label("token_name"),
                    access_tokens.c.scope,
                    access_tokens.c.prefix,
                    access_tokens.c.created_at.label("token_created_at"),
                )
                .join(access_tokens, access_tokens.c.user_id == users.c.id)
                .where(access_tokens.c.token_hash == token_hash)
            ).first()
        if row is None:
            return None
        token = AccessToken(
            id=int(row.token_id),
            user_id=int(row.id),
            name=row.token_name,
            scope=TokenScope(row.scope),
            prefix=row.prefix,
            created_at=utc(row.token_created_at),
        )
        return user_from_row(row), token
