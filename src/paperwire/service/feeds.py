"""Feeds: the daily, weekly, monthly and trending views, author and category pages, and the
paper cards they are made of."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from paperwire.models import User
from paperwire.ranking import month_bounds, reference_time, trending_score, week_bounds
from paperwire.search.query import ParsedQuery
from paperwire.search.types import SearchResult
from paperwire.service.cards import Cards
from paperwire.service.papers import Papers
from paperwire.service.search import Search
from paperwire.service.views import Clock, Feed, PaperPage
from paperwire.settings import Settings
from paperwire.store import Store

MAX_PAGE = 200
RELATED_ON_PAGE = 6


class Feeds:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        cards: Cards,
        papers: Papers,
        search: Search,
    ) -> None:
        self.store = store
        self.trending_window_days = settings.trending_window_days
        self.trending_gravity = settings.trending_gravity
        self.clock = clock
        self.cards = cards
        self.papers = papers
        self.search = search

    def newest_day(self) -> date | None:
        return self.store.papers.latest_feed_day()

    def _period(
        self,
        kind: str,
        title: str,
        start: date,
        end: date,
        viewer: User | None,
        limit: int,
        offset: int,
    ) -> Feed:
        limit = max(1, min(limit, MAX_PAGE))
        papers, total = self.store.papers.papers_in_days(
            start, end, limit=limit, offset=max(0, offset)
        )
        previous, following = self.store.papers.feed_days_around(start, end)
        return Feed(
            title=title,
            kind=kind,
            cards=self.cards(papers, viewer),
            total=total,
            start=start,
            end=end,
            previous=previous,
            next=following,
        )

    def daily(
        self,
        day: date | None = None,
        *,
        viewer: User | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Feed:
        """The papers of ``day``, or of the latest day that has papers."""
        shown = day or self.newest_day() or self.clock().date()
        return self._period(
            "day", shown.strftime("%A, %d %B %Y"), shown, shown, viewer, limit, offset
        )

    def weekly(
        self,
        day: date | None = None,
        *,
        viewer: User | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Feed:
        start, end = week_bounds(day or self.newest_day() or self.clock().date())
        iso = start.isocalendar()
        return self._period(
            "week", f"Week {iso.week}, {iso.year}", start, end, viewer, limit, offset
        )

    def monthly(
        self,
        day: date | None = None,
        *,
        viewer: User | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Feed:
        start, end = month_bounds(day or self.newest_day() or self.clock().date())
        return self._period("month", start.strftime("%B %Y"), start, end, viewer, limit, offset)

    def trending(self, *, viewer: User | None = None, limit: int = 50, offset: int = 0) -> Feed:
        """Papers of the last ``trending_window_days`` ranked by the time-decayed score."""
        newest = self.store.papers.latest_feed_day(min_upvotes=1)
        reference = reference_time(self.clock(), newest)
        start = reference.date() - timedelta(days=self.trending_window_days)
        candidates, _ = self.store.papers.papers_in_days(
            start, reference.date(), limit=2000, min_upvotes=1
        )
        cards = self.cards(candidates, viewer)
        gravity = self.trending_gravity
        ranked = sorted(
            cards,
            key=lambda c: (
                -trending_score(
                    c.upvotes,
                    c.paper.submitted_on or c.paper.first_seen or start,
                    reference,
                    gravity,
                ),
                c.paper.id,
            ),
        )
        limit = max(1, min(limit, MAX_PAGE))
        return Feed(
            title="Trending",
            kind="trending",
            cards=ranked[offset : offset + limit],
            total=len(ranked),
            start=start,
            end=reference.date(),
        )

    def submitted_by(
        self, name: str, *, viewer: User | None = None, limit: int = 50, offset: int = 0
    ) -> Feed:
        papers = self.store.papers.papers_by_submitter(
            name, limit=min(limit, MAX_PAGE), offset=offset
        )
        return Feed(
            title=f"Submitted by {name}",
            kind="submitter",
            cards=self.cards(papers, viewer),
            total=len(papers),
        )

    def _filtered(
        self,
        kind: str,
        title: str,
        query: ParsedQuery,
        viewer: User | None,
        limit: int,
        offset: int,
    ) -> Feed:
        """Newest papers passing a filter (an author, a category), from the lexical index."""
        limit = max(1, min(limit, MAX_PAGE))
        response = self.search.engine.search(
            query, mode="lexical", limit=limit, offset=offset, sort="date"
        )
        return Feed(
            title=title,
            kind=kind,
            total=response.total,
            cards=self.cards([r.paper for r in response.results], viewer),
        )

    def author(
        self, name: str, *, viewer: User | None = None, limit: int = 50, offset: int = 0
    ) -> Feed:
        return self._filtered("author", name, ParsedQuery(authors=[name]), viewer, limit, offset)

    def category(
        self, category: str, *, viewer: User | None = None, limit: int = 50, offset: int = 0
    ) -> Feed:
        query = ParsedQuery(categories=[category])
        return self._filtered("category", category, query, viewer, limit, offset)

    def related(self, paper_id: str, limit: int = 10) -> list[SearchResult]:
        return self.search.related(self.papers.get(paper_id), limit)

    def paper_page(self, paper_id: str, viewer: User | None = None) -> PaperPage:
        with self.store.snapshot():
            return self._paper_page(paper_id, viewer)

    def _paper_page(self, paper_id: str, viewer: User | None) -> PaperPage:
        paper = self.papers.get(paper_id)
        community = self.store.community
        comments = [
            c
            for c in community.comments_for(paper.id)
            if not c.hidden or (viewer is not None and viewer.is_admin)
        ]
        # One round of card queries for the paper and its related papers together.
        related = [r.paper for r in self.search.related(paper, RELATED_ON_PAGE)]
        card, *related_cards = self.cards([paper, *related], viewer)
        mine: list[tuple[Any, bool]] = []
        if viewer is not None:
            containing = community.collections_containing(viewer.id, paper.id)
            mine = [(c, c.id in containing) for c in community.collections_of(viewer.id, viewer.id)]
        return PaperPage(card=card, comments=comments, related=related_cards, collections=mine)
