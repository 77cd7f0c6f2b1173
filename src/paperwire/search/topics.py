"""Matching papers to what a subscription follows: the search side of the digests.

Digests pick papers with the same engines as the search page (DESIGN.md: no search logic
anywhere else), restricted to the papers of a period's window:

- **topic** (a query in the search language): a paper matches when it contains *every* word and
  phrase of the query (BM25 ranks them), or when its embedding is at least ``min_similarity``
  (cosine) from the query's. Both lists are fused with reciprocal rank fusion, as in hybrid
  search. Unlike the search page, there is a floor: a day without a relevant paper gives an
  empty list (and no mail), never the least bad papers of the day. Without embeddings the
  all-words rule alone decides. Filters in the query (``cat:``, ``author:``) apply to both.
- **author** / **category**: the search language's ``author:`` and ``cat:`` filters.
- **trending**: the window's papers with votes, by ``ranking.trending_score``.

A ``TopicMatcher`` lives for one digest run: thousands of subscriptions share a few windows and
many share queries, so query embeddings and results are cached per (query, window).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
import tantivy

from paperwire.ranking import trending_score
from paperwire.search.query import ParsedQuery, parse_query
from paperwire.search.types import Hit

if TYPE_CHECKING:
    from paperwire.search.engine import SearchEngine

EmbedFn = Callable[[str], "np.ndarray | None"]


@dataclass(frozen=True, slots=True)
class Match:
    paper_id: str
    score: float
    reason: str


@dataclass(eq=False)
class Window:
    """The papers one or more digests choose from (ids of live papers)."""

    ids: tuple[str, ...]
    _id_query: tantivy.Query | None = None
    _cache: dict[tuple[str, str], list[Match]] = field(default_factory=dict)


def quoted(text: str) -> str:
    return f"“{' '.join(text.split())}”"


def rank_trending(
    candidates: Iterable[tuple[str, date, int]], reference: datetime, gravity: float
) -> list[Match]:
    """``(paper id, feed day, votes)`` with at least one vote, best trending score first."""
    scored = [
        (trending_score(votes, day, reference, gravity), pid, votes)
        for pid, day, votes in candidates
        if votes > 0
    ]
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [
        Match(pid, score, f"trending: {votes} upvote{'' if votes == 1 else 's'}")
        for score, pid, votes in scored
    ]


class TopicMatcher:
    def __init__(
        self,
        engine: SearchEngine,
        *,
        min_similarity: float,
        embed: EmbedFn | None = None,
    ) -> None:
        self.engine = engine
        self.min_similarity = min_similarity
        self._embed_fn = embed
        self._vectors: dict[str, np.ndarray | None] = {}
        self.embedded_queries = 0  # distinct query embeddings computed (for the report)

    def window(self, ids: Sequence[str]) -> Window:
        return Window(tuple(ids))

    # -- the kinds -------------------------------------------------------------------------
    def topic(self, text: str, window: Window) -> list[Match]:
        key = ("topic", " ".join(text.lower().split()))
        if key not in window._cache:
            window._cache[key] = self._topic(text, window)
        return window._cache[key]

    def author(self, name: str, window: Window) -> list[Match]:
        key = ("author", name.lower())
        if key not in window._cache:
            hits = self._filtered(ParsedQuery(authors=[name]), window)
            window._cache[key] = [Match(h.id, h.score, f"by {name}") for h in hits]
        return window._cache[key]

    def category(self, code: str, window: Window) -> list[Match]:
        key = ("category", code.lower())
        if key not in window._cache:
            hits = self._filtered(ParsedQuery(categories=[code]), window)
            window._cache[key] = [Match(h.id, h.score, f"in {code}") for h in hits]
        return window._cache[key]

    # -- internals -------------------------------------------------------------------------
    def _topic(self, text: str, window: Window) -> list[Match]:
        query = parse_query(text)
        reason = f"matched {quoted(text)}"
        if not window.ids or query.is_empty:
            return []
        if not query.has_text:  # filters only ("cat:cs.CL author:x"): every paper passing them
            return [Match(h.id, h.score, reason) for h in self._filtered(query, window)]
        lexical = self._all_words(query, window)
        semantic = self._similar(query, window)
        fused = (
            self.engine.fusion.fuse(lexical, semantic)
            if lexical and semantic
            else lexical or semantic
        )
        return [Match(h.id, h.score, reason) for h in fused]

    def _id_query(self, window: Window) -> tantivy.Query:
        if window._id_query is None:
            lexical = self.engine.index.lexical
            window._id_query = tantivy.Query.term_set_query(lexical.schema, "id", list(window.ids))
        return window._id_query

    def _search(self, query: tantivy.Query, window: Window) -> list[Hit]:
        lexical = self.engine.index.lexical
        both = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, query), (tantivy.Occur.Must, self._id_query(window))]
        )
        searcher = lexical.index.searcher()
        result = searcher.search(both, max(1, len(window.ids)), count=False)
        return [Hit(str(searcher.doc(a)["id"][0]), float(s)) for s, a in result.hits]

    def _filtered(self, query: ParsedQuery, window: Window) -> list[Hit]:
        """Papers of the window passing the query's filters, newest id first."""
        if not window.ids:
            return []
        hits = self._search(self.engine.index.lexical.build_query(query, text=False), window)
        return sorted(hits, key=lambda h: h.id, reverse=True)

    def _all_words(self, query: ParsedQuery, window: Window) -> list[Hit]:
        # Every word becomes a one-word phrase, which the lexical index requires (Must) in the
        # title or the abstract; phrases stay phrases; filters stay filters.
        strict = ParsedQuery(
            phrases=[*query.terms, *query.phrases],
            authors=query.authors,
            categories=query.categories,
            since=query.since,
            until=query.until,
        )
        return self._search(self.engine.index.lexical.build_query(strict), window)

    def _similar(self, query: ParsedQuery, window: Window) -> list[Hit]:
        vectors = self.engine.index.vectors
        if vectors.size == 0:
            return []
        vector = self._query_vector(query.text)
        if vector is None:
            return []
        allowed: Iterable[str] = window.ids
        if query.has_filters:
            only = ParsedQuery(
                authors=query.authors,
                categories=query.categories,
                since=query.since,
                until=query.until,
            )
            allowed = [h.id for h in self._filtered(only, window)]
        hits = vectors.search(vector, len(window.ids), allowed=list(allowed))
        return [h for h in hits if h.score >= self.min_similarity]

    def _query_vector(self, text: str) -> np.ndarray | None:
        if text not in self._vectors:
            if self._embed_fn is not None:
                vector = self._embed_fn(text)
            else:
                embedder = self.engine._embedder()
                vector = None if embedder is None else embedder.embed_query(text)
            self._vectors[text] = vector
            self.embedded_queries += vector is not None
        return self._vectors[text]
