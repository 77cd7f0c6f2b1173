"""Plain data of the digest feature, shared by the composer, the service, the web pages and the
store (which persists these records and may import nothing else from this package)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from paperwire.models import Paper

KINDS = ("trending", "topic", "author", "category", "collection", "for_you")
FOR_YOU = "for_you"  # an account's own ranking: only its owner subscribes to it
FREQUENCIES = ("daily", "weekly")
# Subscriber states. Only "active" subscribers are mailed digests; "pending" ones get nothing but
# confirmation mails (double opt-in); "failing" ones bounced too often.
PENDING, ACTIVE, UNSUBSCRIBED, FAILING = "pending", "active", "unsubscribed", "failing"


class DeliveryState(StrEnum):
    """A row of the delivery log (one per subscription and period); the values are stored.
    Which state follows which is ``delivery_states.next_state``."""

    CLAIMED = "claimed"  # about to be sent, or a run died while sending it
    SENDING = "sending"  # all but the final dot went out; its papers are recorded
    SENT = "sent"
    RETRY = "retry"  # a temporary failure; again after ``next_attempt_at``
    FAILED = "failed"  # refused for good
    EMPTY = "empty"  # nothing to send
    SUPERSEDED = "superseded"  # a newer period's digest took over the papers of one never sent


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    status: str
    failures: int
    last_error: str | None
    timezone: str
    user_id: int | None
    created_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    subscriber_id: int
    kind: str
    value: str
    frequency: str
    send_hour: int
    top_n: int
    status: str  # pending | active
    paused: bool
    covered_through: date | None
    last_sent_through: date | None
    created_at: datetime
    confirmed_at: datetime | None = None

    def describe(self) -> str:
        """What it follows, in words (subjects, pages and feeds show it)."""
        return describe(self.kind, self.value)


def describe(kind: str, value: str) -> str:
    if kind == "trending":
        return "Trending papers"
    if kind == "topic":
        return f"Papers about “{value}”"
    if kind == "author":
        return f"Papers by {value}"
    if kind == "category":
        return f"New papers in {value}"
    if kind == FOR_YOU:
        return "Papers for you (ranked from your upvotes and collections)"
    return f"Papers added to the collection {value}"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper of a period's window, as light as matching needs it."""

    id: str
    feed_day: date
    votes: int  # the source's upvotes plus this site's votes


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery log row taken for sending."""

    delivery_id: int
    attempts: int  # including this one


@dataclass(frozen=True, slots=True)
class FailingAddress:
    email: str
    failures: int
    last_error: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Period:
    """The feed days a digest speaks for: ``start`` (for the reader; the day after the previous
    digest that was sent) to ``end`` (the period's last day, the key of the delivery log)."""

    start: date
    end: date
    frequency: str


@dataclass(frozen=True, slots=True)
class DigestItem:
    paper: Paper
    upvotes: int
    reason: str  # why it is there: "matched “retrieval augmented generation”"


@dataclass(frozen=True, slots=True)
class Links:
    """The signed links a digest carries (made by the service; the composer stays pure)."""

    base_url: str
    unsubscribe: str
    preferences: str
    feed: str


@dataclass(frozen=True, slots=True)
class OutboxMail:
    """A mail kept in the local outbox (``mail_transport = outbox``) instead of being sent:
    ``message`` is the whole RFC 5322 message, as an SMTP server would have received it."""

    id: int
    created_at: datetime
    sender: str
    recipient: str
    subject: str
    message: bytes
