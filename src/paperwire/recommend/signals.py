"""A user's mutes as a pure rule over papers (issue 12): "For you" (and only "For you") drops
a paper by a muted author, in a muted category, or whose title or abstract holds a muted word
or phrase (whole words, case-blind). No I/O; the service reads the signals and applies it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from paperwire.models import UserSignals


class Listed(Protocol):
    """What the mutes read of a paper (a ``Paper``, or the recommender's ``Doc`` of it)."""

    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def categories(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Mutes:
    authors: frozenset[str]
    categories: frozenset[str]
    words: re.Pattern[str] | None

    @classmethod
    def of(cls, signals: UserSignals) -> Mutes:
        words = None
        if signals.muted_words:
            # Longest first, so a phrase wins over a word it starts with (same outcome, but
            # the match says what hid the paper); spaces inside a phrase match any spacing.
            parts = sorted(
                (r"\s+".join(map(re.escape, w.split())) for w in signals.muted_words),
                key=len,
                reverse=True,
            )
            words = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
        return cls(
            frozenset(a.casefold() for a in signals.muted_authors),
            frozenset(c.casefold() for c in signals.muted_categories),
            words,
        )

    def __bool__(self) -> bool:
        return bool(self.authors or self.categories or self.words)

    def hides(self, paper: Listed) -> bool:
        if self.authors and any(a.casefold() in self.authors for a in paper.authors):
            return True
        if self.categories and any(c.casefold() in self.categories for c in paper.categories):
            return True
        if self.words is not None:
            return bool(self.words.search(paper.title) or self.words.search(paper.abstract or ""))
        return False
