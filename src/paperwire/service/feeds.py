"""Feeds: the daily, weekly, monthly and trending views, author and category pages, and the
paper cards they are made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from paperwire.models import Paper, User
from paperwire.ranking import (
    is_new,
    month_bounds,
    reference_time,
    trending_score,
    week_bounds,
)
from paperwire.service.views import Feed, PaperCard

if TYPE_CHECKING:
    from paperwire.settings import Settings
    from paperwire.store import Store

MAX_PAGE = 200


class FeedsMixin:
    store: Store
    settings: Settings

    def now(self) -> datetime:
        return datetime.now(UTC)

    def newest_day(self) -> date | None:
        return self.store.papers.latest_feed_day()

    def cards(self, papers: Sequence[Paper], viewer: User | None = None) -> list[PaperCard]:
        if not papers:  # an empty page needs no queries at all
            return []
        counts = self.store.community.card_counts(
            [p.id for p in papers], viewer.id if viewer else None
        )
        window = self.settings.new_window_days
        return [
            PaperCard(
                paper=p,
                upvotes=(p.upvotes or 0) + counts.votes.get(p.id, 0),
                comments=counts.comments.get(p.id, 0),
                is_new=is_new(p.first_seen, counts.newest_day, window),
                voted=p.id in counts.voted,
            )
            for p in papers
        ]

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
        shown = day or self.newest_day() or self.now().date()
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
        start, end = week_bounds(day or self.newest_day() or self.now().date())
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
        start, end = month_bounds(day or self.newest_day() or self.now().date())
        return self._period("month", start.strftime("%B %Y"), start, end, viewer, limit, offset)

    def trending(self, *, viewer: User | None = None, limit: int = 50, offset: int = 0) -> Feed:
        """Papers of the last ``trending_window_days`` ranked by the time-decayed score."""
        newest = self.store.papers.latest_feed_day(min_upvotes=1)
        reference = reference_time(self.now(), newest)
        start = reference.date() - timedelta(days=self.settings.trending_window_days)
        candidates, _ = self.store.papers.papers_in_days(
            start, reference.date(), limit=2000, min_upvotes=1
        )
        cards = self.cards(candidates, viewer)
        gravity = self.settings.trending_gravity
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
