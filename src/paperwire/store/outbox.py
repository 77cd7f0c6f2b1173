"""The local outbox: mails kept in the store instead of sent (``mail_transport = outbox``),
newest first for /admin/outbox. Plain SQL; no change sequence is bumped, so no ordering lock
is taken (see ``base``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paperwire.digest.model import OutboxMail
from paperwire.store.base import Database
from paperwire.store.rows import utc


def _mail(row: Any) -> OutboxMail:
    return OutboxMail(
        id=row.id,
        created_at=utc(row.created_at),
        sender=row.sender,
        recipient=row.recipient,
        subject=row.subject,
        message=bytes(row.message),
    )


class Outbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, sender: str, recipient: str, subject: str, message: bytes, now: datetime) -> int:
        from paperwire.store.schema import outbox

        with self._db.write() as conn:
            result = conn.execute(
                outbox.insert()
                .values(
                    created_at=now,
                    sender=sender[:254],
                    recipient=recipient[:254],
                    subject=subject,
                    message=message,
                )
                .returning(outbox.c.id)
            )
            return int(result.scalar_one())

    def latest(self, limit: int) -> list[OutboxMail]:
        from sqlalchemy import select

        from paperwire.store.schema import outbox

        with self._db.read() as conn:
            rows = conn.execute(select(outbox).order_by(outbox.c.id.desc()).limit(limit))
            return [_mail(row) for row in rows]

    def get(self, mail_id: int) -> OutboxMail | None:
        from sqlalchemy import select

        from paperwire.store.schema import outbox

        with self._db.read() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == mail_id)).first()
        return None if row is None else _mail(row)

    def to(self, recipient: str) -> list[OutboxMail]:
        """Every kept mail to one address, oldest first."""
        from sqlalchemy import func, select

        from paperwire.store.schema import outbox

        with self._db.read() as conn:
            rows = conn.execute(
                select(outbox)
                .where(func.lower(outbox.c.recipient) == recipient.lower())
                .order_by(outbox.c.id)
            )
            return [_mail(row) for row in rows]
