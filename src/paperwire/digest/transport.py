"""How a mail leaves: the interface the delivery code drives (``MailConnection``: the SMTP
transaction in two halves, see ``digest/smtp.py`` and ``digest/deliver.py``) and the local
outbox, which keeps each message in the store instead of sending it.

The outbox goes through the very same ``begin`` / ``finish`` steps, so the exactly-once
delivery log, the retries and the confirmation bookkeeping are the code SMTP runs; only the
last hop differs.
"""

from __future__ import annotations

from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.policy import default
from typing import Protocol

from paperwire.digest.mime import Mail
from paperwire.digest.smtp import message_bytes

# (sender, recipient, subject, message) -> kept
Keep = Callable[[str, str, str, bytes], None]


class MailConnection(Protocol):
    def begin(self, sender: str, recipient: str, body: bytes) -> None: ...
    def finish(self) -> None: ...
    def send(self, sender: str, recipient: str, msg: Mail) -> None: ...
    def close(self) -> None: ...


def undot(body: bytes) -> bytes:
    """The message back from its dot-stuffed form (RFC 5321 4.5.2; ``smtp.message_bytes``)."""
    if body.startswith(b".."):
        body = body[1:]
    return body.replace(b"\r\n..", b"\r\n.")


class OutboxConnection:
    """A ``MailConnection`` that keeps each finished message (``keep``) instead of sending it."""

    def __init__(self, keep: Keep) -> None:
        self._keep = keep
        self._pending: tuple[str, str, bytes] | None = None

    def begin(self, sender: str, recipient: str, body: bytes) -> None:
        self._pending = (sender, recipient, undot(body))

    def finish(self) -> None:
        if self._pending is None:
            raise RuntimeError("OutboxConnection.finish() without begin()")
        sender, recipient, message = self._pending
        self._pending = None
        subject = str(BytesHeaderParser(policy=default).parsebytes(message)["Subject"] or "")
        self._keep(sender, recipient, subject, message)

    def send(self, sender: str, recipient: str, msg: Mail) -> None:
        self.begin(sender, recipient, message_bytes(msg))
        self.finish()

    def close(self) -> None:
        self._pending = None
