"""Plain result types shared by the search modules and the service."""

from __future__ import annotations

from dataclasses import dataclass, field

from paperwire.models import Paper


@dataclass(frozen=True, slots=True)
class Snippet:
    """A fragment of text with the character ranges to highlight (the caller escapes and marks
    them up: ``<mark>`` on the web, bold in the terminal)."""

    text: str
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked result of a single engine."""

    id: str
    score: float


@dataclass(slots=True)
class SearchResult:
    paper: Paper
    score: float
    snippet: Snippet
    lexical_rank: int | None = None
    semantic_rank: int | None = None


@dataclass(slots=True)
class SearchResponse:
    query: str
    mode: str  # the mode that ran: "lexical" when meaning was asked for but nothing is embedded
    results: list[SearchResult]
    total: int  # results that can be paged through (not the store's size)
    took_ms: float
    warnings: list[str] = field(default_factory=list)
    keyword_matches: int | None = None  # papers matching the words; None: not searched
    matches_at_least: bool = False  # more than keyword_matches match (counting stopped there)
    by_meaning: bool = False  # semantic candidates took part in the ranking
    meaning_only: bool = False  # no keyword matched: the results are close in meaning only
    corrected: str | None = None  # the query searched instead of the one typed (typos)
    suggestion: str | None = None  # "did you mean": a spelling the index knows

    @property
    def matches_shown(self) -> str:
        """The keyword matches as a person reads them: "1,234", or "10,000+" past counting."""
        return f"{self.keyword_matches or 0:,}{'+' if self.matches_at_least else ''}"
