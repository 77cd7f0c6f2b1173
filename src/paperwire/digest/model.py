"""Plain data of the digest feature, shared by the composer, the service and the web pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from paperwire.models import Paper

# The records the store returns live with it (the store may not import this package);
# they are part of this package's vocabulary all the same.
from paperwire.store.digests import (
    ACTIVE,
    FAILING,
    FREQUENCIES,
    KINDS,
    PENDING,
    UNSUBSCRIBED,
    Candidate,
    Subscriber,
    Subscription,
    describe,
)

__all__ = [
    "ACTIVE",
    "FAILING",
    "FREQUENCIES",
    "KINDS",
    "PENDING",
    "UNSUBSCRIBED",
    "Candidate",
    "DigestItem",
    "Links",
    "Period",
    "Subscriber",
    "Subscription",
    "describe",
]


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
