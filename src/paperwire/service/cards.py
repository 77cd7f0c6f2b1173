"""Paper cards: a paper as a feed, a results list or a digest shows it (community counts, the
"new" badge, the viewer's vote). Every part that lists papers builds its cards here, with one
round of queries per page."""

from __future__ import annotations

from collections.abc import Sequence

from paperwire.models import Paper, User
from paperwire.ranking import is_new
from paperwire.service.views import PaperCard
from paperwire.store import Store


class Cards:
    def __init__(self, store: Store, new_window_days: int) -> None:
        self.store = store
        self.new_window_days = new_window_days

    def __call__(self, papers: Sequence[Paper], viewer: User | None = None) -> list[PaperCard]:
        if not papers:  # an empty page needs no queries at all
            return []
        counts = self.store.community.card_counts(
            [p.id for p in papers], viewer.id if viewer else None
        )
        ids = [p.id for p in papers]
        # The viewer's own "not interested" marks (issue 12): their button says "undo".
        unwanted = self.store.signals.marked(viewer.id, ids) if viewer else set()
        return [
            PaperCard(
                paper=p,
                upvotes=(p.upvotes or 0) + counts.votes.get(p.id, 0),
                comments=counts.comments.get(p.id, 0),
                is_new=is_new(p.first_seen, counts.newest_day, self.new_window_days, p.published),
                voted=p.id in counts.voted,
                not_interested=p.id in unwanted,
            )
            for p in papers
        ]
