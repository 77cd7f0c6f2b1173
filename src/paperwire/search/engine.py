"""Lexical, semantic and hybrid search, and related papers: the one implementation that the
service exposes to the CLI, the web site and the digests.

Hybrid = the lexical and semantic candidate lists fused (``search/fusion.py``: one fusion for
every surface), with the lexical first hit pinned on top when the query is a title (4+ words,
all on that paper's title as a phrase). Filters (author, category, dates) are applied inside
both engines, so a restrictive filter still fills the page. Every result is checked against
the store before it is returned, so a paper deleted since the indexes were last caught up is
never shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from paperwire.errors import InvalidQueryError
from paperwire.models import Paper
from paperwire.search import fusion as fusions
from paperwire.search.indexer import SearchIndex, embedding_text
from paperwire.search.query import ParsedQuery, parse_query
from paperwire.search.spelling import Speller
from paperwire.search.types import Hit, SearchResponse, SearchResult, Snippet

if TYPE_CHECKING:
    from paperwire.search.embedder import Embedder
    from paperwire.store import Store

MODES = ("hybrid", "lexical", "semantic")
# Words in most titles: they make the related-papers query ~3x slower for no better hits.
STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it"}
    | {"its", "of", "on", "or", "that", "the", "their", "this", "to", "via", "we", "with"}
)
SORTS = ("relevance", "date")
PIN_MIN_WORDS = 4  # shorter queries are topics more often than titles: never pinned
SELECTIVE_FILTER = 2000  # papers; below this a filtered semantic search scans them exactly
OVERSAMPLE = 10  # neighbours taken per wanted result when a broad filter is applied after
MAX_LIMIT = 1000
_SNIPPET_CHARS = 240


def lead_snippet(paper: Paper) -> Snippet:
    text = paper.abstract
    if len(text) > _SNIPPET_CHARS:
        cut = text.rfind(" ", 0, _SNIPPET_CHARS)
        text = text[: cut if cut > 0 else _SNIPPET_CHARS] + " …"
    return Snippet(text)


@dataclass(slots=True)
class _Ranked:
    lexical: list[Hit]
    semantic: list[Hit]
    fused: list[Hit]
    keyword_matches: int | None  # None: keywords were not searched (meaning only)
    available: int  # how many results the ranking can page through
    at_least: bool = False  # keyword_matches stopped counting at COUNT_UP_TO


class SearchEngine:
    def __init__(
        self,
        store: Store,
        index: SearchIndex,
        embedder: Callable[[], Embedder | None],
        candidates: int = 100,
        fusion: fusions.Fusion = fusions.DEFAULT,
    ) -> None:
        self.store = store
        self.index = index
        self._embedder = embedder
        self.candidates = candidates
        self.fusion = fusion
        self.speller = Speller(index.lexical)
        self._embed_query = lru_cache(maxsize=1024)(self._embed_query_uncached)

    def _embed_query_uncached(self, text: str) -> np.ndarray | None:
        embedder = self._embedder()
        return None if embedder is None else embedder.embed_query(text)

    def semantic_available(self) -> bool:
        """Papers are embedded, the model is here and the vectors can be searched quickly
        (not while their graph is being built)."""
        vectors = self.index.vectors
        return vectors.size > 0 and vectors.ready and self._embedder() is not None

    def _why_no_meaning(self) -> str:
        vectors = self.index.vectors
        if vectors.size and self._embedder() is not None:
            return (
                f"search by meaning is being prepared (its index of {vectors.size:,} papers "
                "is building); showing keyword matches"
            )
        return (
            "semantic search is unavailable until papers are embedded (`paperwire embed`); "
            "showing keyword matches"
        )

    # -- search --------------------------------------------------------------------------
    def search(
        self,
        text: str | ParsedQuery,
        *,
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        snippets: bool = True,
        spell: bool = True,
    ) -> SearchResponse:
        """``snippets=False``: leave results without highlighted fragments (an evaluation
        ranks 100 results per query and reads none of them). ``spell=False``: search the
        words as typed even when none matches (the page's "search instead for")."""
        started = time.perf_counter()
        if mode not in MODES:
            raise InvalidQueryError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
        if sort not in SORTS:
            raise InvalidQueryError(f"unknown sort {sort!r}; use relevance or date")
        limit = max(1, min(limit, MAX_LIMIT))
        query = text if isinstance(text, ParsedQuery) else parse_query(text)
        raw = text if isinstance(text, str) else query.text
        if query.is_empty:
            raise InvalidQueryError(
                "the query has nothing to search for: type some words, or a filter such as "
                'cat:cs.CL or author:"Yann LeCun"'
            )
        warnings = list(query.warnings)
        # Keywords alone rank only the page (and a few spare for deleted papers): asking for
        # the fusion's candidates made tantivy keep five times as many.
        wanted = offset + limit + 5 if mode == "lexical" else max(self.candidates, offset + limit)
        ranked = self._rank(query, mode, wanted, sort, warnings)
        corrected = suggestion = None
        correction = self.speller.correct(query.terms) if query.terms else None
        if correction is not None:
            fixed = replace(query, terms=correction.words)
            if spell and ranked.keyword_matches == 0:
                # Nothing matched the words as typed: search for the corrected ones at once,
                # and say so (the page offers the query as typed).
                better = self._rank(fixed, mode, wanted, sort, [])
                if better.keyword_matches:
                    ranked, query, corrected = better, fixed, fixed.unparse()
            if corrected is None:
                suggestion = fixed.unparse()
        fused = ranked.fused
        # What the response says it is: keyword matches only when meaning could not be asked.
        asked_meaning = mode != "lexical" and query.has_text
        ran = "lexical" if asked_meaning and not self.semantic_available() else mode
        if sort == "relevance":
            # Read only the page's papers, not every candidate (the store read was a third
            # of a search page's time); a few more only when some are gone (deleted since
            # the index saw them).
            page = self._materialise(fused[offset : offset + limit], ranked, sort)
            if len(page) < limit < len(fused) - offset:
                more = self._materialise(fused[offset : offset + limit + 5], ranked, sort)
                page = more[:limit]
        else:
            results = self._materialise(fused, ranked, sort)
            page = results[offset : offset + limit]
        if snippets:
            self._add_snippets(query, page)
        return SearchResponse(
            query=raw,
            mode=ran,
            results=page,
            total=len(ranked.fused) if ranked.keyword_matches is None else ranked.available,
            took_ms=(time.perf_counter() - started) * 1000,
            warnings=warnings,
            keyword_matches=ranked.keyword_matches,
            matches_at_least=ranked.at_least,
            by_meaning=bool(ranked.semantic),
            meaning_only=not ranked.keyword_matches and bool(ranked.semantic),
            corrected=corrected,
            suggestion=suggestion,
        )

    def _rank(
        self, query: ParsedQuery, mode: str, wanted: int, sort: str, warnings: list[str]
    ) -> _Ranked:
        """The candidate lists of the modes asked for, and their fused ranking."""
        lexical: list[Hit] = []
        semantic: list[Hit] = []
        matches: int | None = None
        at_least = False
        if mode != "semantic" or not query.has_text:
            lexical, matches, at_least = self.index.lexical.search(
                query, wanted, by_date=sort == "date" or not query.has_text
            )
        if mode != "lexical" and query.has_text:
            if self.semantic_available():
                semantic = self.semantic_hits(query, wanted)
            else:
                warnings.append(self._why_no_meaning())
                if mode == "semantic":
                    lexical, matches, at_least = self.index.lexical.search(query, wanted)
        if mode == "hybrid" and semantic and lexical:
            fused = self.fusion.fuse(lexical, semantic)
            if sort == "relevance" and self.is_title(query, lexical[0]):
                fused = [lexical[0]] + [h for h in fused if h.id != lexical[0].id]
        else:
            fused = semantic if (mode == "semantic" and semantic) else (lexical or semantic)
        # What can be paged through: every keyword match, plus the meaning-only candidates.
        available = (
            len(fused)
            if matches is None
            else matches + len(semantic) - len({h.id for h in lexical} & {h.id for h in semantic})
        )
        return _Ranked(lexical, semantic, fused, matches, max(available, len(fused)), at_least)

    def is_title(self, query: ParsedQuery, hit: Hit) -> bool:
        """The query looks like this paper's title: 4+ words, all of them on its title in
        order (a word or two may come between)."""
        return len(query.terms) >= PIN_MIN_WORDS and self.index.lexical.title_has_phrase(
            query.terms, hit.id
        )

    def semantic_hits(self, query: ParsedQuery, wanted: int) -> list[Hit]:
        vector = self._embed_query(query.text)
        if vector is None:
            return []
        vectors, lexical = self.index.vectors, self.index.lexical
        if not query.has_filters:
            return vectors.search(vector, wanted)
        # A selective filter (an author): scan exactly the few papers that pass it. A broad
        # one (a big category, a date range): take many nearest neighbours and keep those that
        # pass, in one index query, instead of listing every passing paper.
        if lexical.filters_pass_at_most(query, SELECTIVE_FILTER):
            return vectors.search(vector, wanted, allowed=lexical.filter_ids(query))
        hits = vectors.search(vector, wanted * OVERSAMPLE)
        passing = lexical.filter_ids(query, among=[h.id for h in hits])
        return [h for h in hits if h.id in passing][:wanted]

    def _materialise(self, fused: list[Hit], ranked: _Ranked, sort: str) -> list[SearchResult]:
        papers = self.store.papers.get_papers([h.id for h in fused])
        lex_rank = {h.id: r for r, h in enumerate(ranked.lexical, 1)}
        sem_rank = {h.id: r for r, h in enumerate(ranked.semantic, 1)}
        results = [
            SearchResult(papers[h.id], h.score, Snippet(""), lex_rank.get(h.id), sem_rank.get(h.id))
            for h in fused
            if h.id in papers and not papers[h.id].deleted
        ]
        if sort == "date":
            results.sort(key=lambda r: (r.paper.first_seen or date.min, r.paper.id), reverse=True)
        return results

    def _add_snippets(self, query: ParsedQuery, page: list[SearchResult]) -> None:
        marked = self.index.lexical.snippets(query, [r.paper for r in page])
        for result in page:
            result.snippet = marked.get(result.paper.id) or lead_snippet(result.paper)

    # -- related -------------------------------------------------------------------------
    def related(self, paper: Paper, limit: int = 10) -> list[SearchResult]:
        """Nearest neighbours of a paper's embedding (itself and same-title copies excluded);
        keyword similarity on its title when nothing is embedded (or the vector graph is
        being built)."""
        vector = None
        if self.semantic_available():
            vector = self.index.vectors.vector_of(paper.id)
            if vector is None:
                vector = self._embed_query(embedding_text(paper))
        if vector is not None:
            hits = self.index.vectors.search(vector, limit + 5, exclude={paper.id})
        else:
            terms = parse_query(paper.title).terms
            # No count: it is not shown, and counting common words costs.
            words = ParsedQuery(terms=[t for t in terms if t.lower() not in STOP_WORDS] or terms)
            hits = [
                h
                for h in self.index.lexical.search(words, limit + 5, count=False)[0]
                if h.id != paper.id
            ]
        # The first ``limit`` papers are read; the spares only when some of them are gone
        # (deleted) or the same paper again (same title): a paper page reads 10 rows, not 15.
        papers: dict[str, Paper] = {}
        same_title = paper.title.casefold()
        kept: list[Hit] = []
        for batch in (hits[:limit], hits[limit:]):
            if len(kept) >= limit or not batch:
                break
            papers.update(self.store.papers.get_papers([h.id for h in batch]))
            kept += [
                h
                for h in batch
                if h.id in papers
                and not papers[h.id].deleted
                and papers[h.id].title.casefold() != same_title
            ]
        kept = kept[:limit]
        # The rank says which way each neighbour was found (the CLI and API say so).
        by_meaning = vector is not None
        return [
            SearchResult(
                papers[h.id],
                h.score,
                lead_snippet(papers[h.id]),
                lexical_rank=None if by_meaning else rank,
                semantic_rank=rank if by_meaning else None,
            )
            for rank, h in enumerate(kept, 1)
        ]
