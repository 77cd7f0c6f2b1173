"""What the service hands to pages, feeds and the API: plain data assembled from the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from paperwire.models import Collection, Comment, Paper


@dataclass(slots=True)
class PaperCard:
    """A paper as a feed or results list shows it."""

    paper: Paper
    upvotes: int  # the curated source's upvotes plus this site's votes
    comments: int
    is_new: bool
    voted: bool = False
    not_interested: bool = False  # the viewer marked it so (private: only they see it)


@dataclass(slots=True)
class Feed:
    title: str
    kind: str  # "day", "week", "month", "trending", "author", "category", "collection", ...
    cards: list[PaperCard]
    total: int
    start: date | None = None
    end: date | None = None
    previous: date | None = None  # the neighbouring period that has papers
    next: date | None = None


@dataclass(slots=True)
class PaperPage:
    card: PaperCard
    comments: list[Comment]
    related: list[PaperCard]
    collections: list[tuple[Collection, bool]] = field(default_factory=list)  # viewer's, member?


@dataclass(slots=True)
class CollectionPage:
    collection: Collection
    cards: list[PaperCard]
    editable: bool


Clock = Callable[[], datetime]
"""Now, as an aware UTC datetime: ``make_service(settings, clock=...)`` gives every part the
same one, so tests move time for the whole service at once."""
