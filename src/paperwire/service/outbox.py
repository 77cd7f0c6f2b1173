"""The local outbox, read by admins (/admin/outbox): the mails a site with
``mail_transport = outbox`` kept instead of sending, each split into the parts a reader needs.
Writing is ``Notices.keep``, the outbox transport's last hop."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from paperwire.digest.model import OutboxMail
from paperwire.errors import ForbiddenError, NotFoundError
from paperwire.models import User
from paperwire.store import Store

LIST_SIZE = 100
# A link in a plain-text mail: up to the first space or angle bracket, without the
# sentence's closing punctuation.
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    link: bool


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    mail: OutboxMail
    headers: list[tuple[str, str]]
    text: list[Piece]  # the plain-text part, its links marked
    html: str | None  # the HTML part, shown on its own under a strict CSP


def pieces(text: str) -> list[Piece]:
    """``text`` cut into plain runs and links, so a page can make every link clickable."""
    found: list[Piece] = []
    at = 0
    for match in _URL.finditer(text):
        if match.start() > at:
            found.append(Piece(text[at : match.start()], False))
        found.append(Piece(match.group(), True))
        at = match.end()
    if at < len(text):
        found.append(Piece(text[at:], False))
    return found


def read_message(mail: OutboxMail) -> OutboxMessage:
    parsed = message_from_bytes(mail.message, policy=default)
    assert isinstance(parsed, EmailMessage)  # policy=default builds EmailMessage
    shown = ("From", "To", "Subject", "Date", "List-Unsubscribe")
    headers = [(name, str(parsed[name])) for name in shown if parsed[name] is not None]
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    return OutboxMessage(
        mail=mail,
        headers=headers,
        text=pieces(plain.get_content() if plain is not None else ""),
        html=html.get_content() if html is not None else None,
    )


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _check(user: User | None) -> None:
        if user is None or not user.is_admin:
            raise ForbiddenError("only an admin can read the outbox")

    def latest(self, user: User | None) -> list[OutboxMail]:
        """The newest mails, newest first."""
        self._check(user)
        return self.store.outbox.latest(LIST_SIZE)

    def message(self, user: User | None, mail_id: int) -> OutboxMessage:
        self._check(user)
        mail = self.store.outbox.get(mail_id)
        if mail is None:
            raise NotFoundError(f"there is no mail {mail_id} in the outbox")
        return read_message(mail)
