"""BM25 over title, abstract, authors and categories with tantivy (see docs/benchmarks.md for
the comparison with SQLite FTS5 that chose it).

User queries never reach tantivy's query parser: ``ParsedQuery`` words are analysed with the
same analyzers as the fields and turned into term, phrase and range queries, so no input can
be a syntax error.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

import tantivy

from paperwire.models import Paper
from paperwire.search.query import ParsedQuery
from paperwire.search.types import Hit, Snippet

# Field weights (BM25 scores per field are multiplied by these, then summed over fields).
# Tuned on SciFact's train split (docs/benchmarks.md): a title is short, so BM25's length
# normalisation already scores a title match high and boosts above 1 over-weight it. Train
# nDCG@10 is 0.695 at 0.25 and 0.692 at 0.5; we take 0.5 because arXiv searches look more
# like titles than SciFact's claims do.
FIELD_BOOSTS = {"title": 0.5, "abstract": 1.0, "authors": 1.0, "categories": 0.5}
# All of a query's words as one phrase on the title, a word or two allowed between (issue 16:
# users type remembered titles and fragments of them). Measured in docs/benchmarks.md.
TITLE_PHRASE_SLOP = 2
TITLE_PHRASE_BOOST = 2.0
# Keyword matches are counted exactly up to this many; past it a search says "10,000+" (as
# Elasticsearch's track_total_hits does): a count grows with every paper holding a common
# word (issue 14: ~10% of a plain search at 3M papers, on top of ranking them).
COUNT_UP_TO = 10_000
_EPOCH = date(1970, 1, 1)
_SNIPPET_CHARS = 240


class Matches(NamedTuple):
    hits: list[Hit]
    matched: int  # papers matching (the hits' number when not counted)
    at_least: bool = False  # ``matched`` is COUNT_UP_TO and more match


def _day(d: date | None) -> int:
    return (d - _EPOCH).days if d else 0


def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
        tantivy.Filter.remove_long(40)
    )
    builder = builder.filter(tantivy.Filter.lowercase())
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


def _char_ranges(text: str, ranges: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """tantivy's highlighted ranges count UTF-8 bytes; Python's slices count characters (every
    "ö" or "α" before a match moved its highlight one character on)."""
    if text.isascii():
        return tuple(ranges)
    data = text.encode()

    def chars(offset: int) -> int:
        return len(data[:offset].decode(errors="ignore"))

    return tuple((chars(start), chars(end)) for start, end in ranges)


class CorruptIndexError(Exception):
    """The index folder exists but cannot be opened; the caller rebuilds it."""


class LexicalIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        builder = tantivy.SchemaBuilder()
        # Only the id is stored: each hit reads its stored fields, and with the abstracts
        # in the doc store that read cost as much as the search. Snippets are made from the
        # store's text of the page's papers instead.
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", tokenizer_name="en_stem")
        builder.add_text_field("abstract", tokenizer_name="en_stem")
        # Title and abstract again, unstemmed: "quoted phrases" match these exact words, and
        # its term dictionary is the vocabulary that "did you mean" suggests from.
        builder.add_text_field("words", tokenizer_name="default")
        builder.add_text_field("authors", tokenizer_name="default")
        builder.add_text_field("categories", tokenizer_name="raw")
        builder.add_integer_field("day", indexed=True, fast=True)
        self.schema = builder.build()
        self._stem = _analyzer(stem=True)
        self._plain = _analyzer(stem=False)
        path.mkdir(parents=True, exist_ok=True)
        try:
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        except ValueError as exc:
            raise CorruptIndexError(f"lexical index at {path} cannot be opened: {exc}") from exc
        self._writer: tantivy.IndexWriter | None = None

    @staticmethod
    def destroy(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

    # -- writing -------------------------------------------------------------------------
    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=128_000_000, num_threads=1)
        return self._writer

    def apply(self, upserts: Iterable[Paper], deletes: Iterable[str]) -> None:
        """Stage changes; ``commit`` makes them visible. Re-applying is harmless."""
        writer = self._get_writer()
        for paper_id in deletes:
            writer.delete_documents_by_term("id", paper_id)
        for paper in upserts:
            writer.delete_documents_by_term("id", paper.id)
            doc = tantivy.Document()
            doc.add_text("id", paper.id)
            doc.add_text("title", paper.title)
            doc.add_text("abstract", paper.abstract)
            doc.add_text("words", paper.title)
            doc.add_text("words", paper.abstract)
            for author in paper.authors:
                doc.add_text("authors", author)
            for category in paper.categories:
                doc.add_text("categories", category.lower())
            doc.add_integer("day", _day(paper.first_seen))
            writer.add_document(doc)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
        self.index.reload()

    def clear(self) -> None:
        writer = self._get_writer()
        writer.delete_all_documents()

    def num_docs(self) -> int:
        return int(self.index.searcher().num_docs)

    def knows(self, word: str) -> bool:
        """Whether any title or abstract holds this (lower-case, unstemmed) word."""
        return int(self.index.searcher().doc_freq("words", word)) > 0

    def vocabulary(self, min_count: int = 1) -> list[tuple[str, int]]:
        """Every unstemmed word of the titles and abstracts in ``min_count`` papers or more,
        with its number of papers (most first)."""
        terms = self.index.searcher().terms_with_prefix("words", "")
        return [(str(t), int(c)) for t, c in terms if c >= min_count]

    # -- searching -----------------------------------------------------------------------
    def _terms(self, text: str, stem: bool) -> list[str | tuple[int, str]]:
        """The distinct tokens of ``text`` as the field's analyzer makes them."""
        analyzer = self._stem if stem else self._plain
        return list(dict.fromkeys(analyzer.analyze(text)))

    def build_query(self, query: ParsedQuery, *, text: bool = True) -> tantivy.Query:
        occur = tantivy.Occur
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        words: list[tantivy.Query] = []
        if text:
            words.extend(self._boosted(*t) for t in self._word_terms(query.terms))
            title_phrase = self._title_phrase(query.terms)
            if title_phrase is not None:
                words.append(tantivy.Query.boost_query(title_phrase, TITLE_PHRASE_BOOST))
            for phrase in query.phrases:
                clauses.extend(self._phrase(phrase))
        filters = self._filters(query)
        if words and (filters or any(o == occur.Must for o, _ in clauses)):
            # Beside a MUST clause, SHOULD clauses only rank: at least one word has to match.
            clauses.append(
                (occur.Must, tantivy.Query.boolean_query([(occur.Should, w) for w in words]))
            )
        else:
            clauses.extend((occur.Should, w) for w in words)
        clauses.extend((occur.Must, q) for q in filters)
        if not any(o == occur.Should or o == occur.Must for o, _ in clauses):
            return tantivy.Query.all_query()
        if all(o == occur.Must for o, _ in clauses) and not (text and query.has_text):
            clauses.append((occur.Should, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _word_terms(self, words: Sequence[str]) -> list[tuple[str, str]]:
        """(field, token) of every word as each field analyses it; a paper matching any of
        them matches the words, and its score is the sum of their boosted BM25 scores."""
        terms: list[tuple[str, str]] = []
        for word in words:
            for name, stem in (("title", True), ("abstract", True), ("authors", False)):
                terms.extend((name, str(token)) for token in self._terms(word, stem))
            terms.append(("categories", word.lower()))
        return list(dict.fromkeys(terms))

    def _phrase(self, phrase: str) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """A quoted phrase: exactly these words in this order, unstemmed (required); the
        stemmed phrase on the title and abstract ranks, with their field weights. One word
        (the digests' topics send them) is required stemmed in the title or abstract."""
        occur = tantivy.Occur
        # In order, repeats kept: a phrase is a sequence.
        stemmed: list[str | tuple[int, str]] = list(self._stem.analyze(phrase))
        exact: list[str | tuple[int, str]] = list(self._plain.analyze(phrase))
        if len(exact) < 2 or len(stemmed) < 2:
            if not stemmed:  # nothing indexable (one 40+ character word): nothing can match
                return [(occur.Must, tantivy.Query.empty_query())]
            either = [self._boosted(name, str(stemmed[0])) for name in ("title", "abstract")]
            return [(occur.Must, tantivy.Query.boolean_query([(occur.Should, q) for q in either]))]
        required = tantivy.Query.phrase_query(self.schema, "words", exact)
        ranking = [
            tantivy.Query.boost_query(
                tantivy.Query.phrase_query(self.schema, name, stemmed), FIELD_BOOSTS[name]
            )
            for name in ("title", "abstract")
        ]
        return [(occur.Must, tantivy.Query.const_score_query(required, 0.0))] + [
            (occur.Should, q) for q in ranking
        ]

    def _title_phrase(self, terms: Sequence[str]) -> tantivy.Query | None:
        """All the words as one phrase on the title (slop ``TITLE_PHRASE_SLOP``); None for
        fewer than two words."""
        tokens: list[str | tuple[int, str]] = [t for w in terms for t in self._stem.analyze(w)]
        if len(tokens) < 2:
            return None
        return tantivy.Query.phrase_query(self.schema, "title", tokens, slop=TITLE_PHRASE_SLOP)

    def title_has_phrase(self, terms: Sequence[str], paper_id: str) -> bool:
        """Whether this paper's title holds all the words as one phrase (slop as ranked)."""
        phrase = self._title_phrase(terms)
        if phrase is None:
            return False
        both = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, phrase),
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "id", paper_id)),
            ]
        )
        return bool(self.index.searcher().search(both, 1, count=False).hits)

    def _boosted(self, name: str, token: str) -> tantivy.Query:
        term = tantivy.Query.term_query(self.schema, name, token)
        return tantivy.Query.boost_query(term, FIELD_BOOSTS[name])

    def _filters(self, query: ParsedQuery) -> list[tantivy.Query]:
        occur = tantivy.Occur
        filters = []
        for author in query.authors:
            tokens = self._terms(author, stem=False)
            if len(tokens) > 1:
                filters.append(tantivy.Query.phrase_query(self.schema, "authors", tokens))
            elif tokens:
                filters.append(tantivy.Query.term_query(self.schema, "authors", tokens[0]))
            else:
                # Nothing indexable ("-", one 40+ character word): no author can match it, and
                # dropping the filter instead would match every paper.
                filters.append(tantivy.Query.empty_query())
        if query.categories:
            filters.append(
                tantivy.Query.boolean_query(
                    [
                        (
                            occur.Should,
                            tantivy.Query.term_query(self.schema, "categories", c.lower()),
                        )
                        for c in query.categories
                    ]
                )
            )
        if query.since or query.until:
            filters.append(
                tantivy.Query.range_query(
                    self.schema,
                    "day",
                    tantivy.FieldType.Integer,
                    _day(query.since) if query.since else None,
                    _day(query.until) if query.until else None,
                )
            )
        return filters

    def search(
        self, query: ParsedQuery, limit: int, *, by_date: bool = False, count: bool = True
    ) -> Matches:
        """Top ``limit`` hits (best first, or newest first) and how many papers match (with
        ``count=False``, just the hits' number)."""
        searcher = self.index.searcher()
        if query.terms and not (query.phrases or query.has_filters or by_date):
            return self._search_words(searcher, query.terms, limit, count)
        tq = self.build_query(query)
        if by_date:
            result = searcher.search(tq, limit, count=count, order_by_field="day")
        else:
            result = searcher.search(tq, limit, count=count)
        hits = self._hits(searcher, result.hits)
        # ``count`` is missing from tantivy's type stubs, present at run time.
        return Matches(hits, int(getattr(result, "count", None) or len(hits)))

    def _hits(
        self, searcher: tantivy.Searcher, found: Sequence[tuple[float, tantivy.DocAddress]]
    ) -> list[Hit]:
        return [Hit(str(searcher.doc(address)["id"][0]), float(score)) for score, address in found]

    def _search_words(
        self, searcher: tantivy.Searcher, words: Sequence[str], limit: int, count: bool
    ) -> Matches:
        """Plain words, the common search: the same ranking as ``build_query``'s, in two
        cheaper parts. One flat OR of the words' terms; and the title phrase as a second,
        small query of the papers holding all the words, scored with the terms too (inside
        the OR it was tried on every paper holding any word). A paper in both lists takes the
        second's score (its whole score); one that holds the phrase but is not among the
        second's ``limit`` best ranks below all of them either way, so the top ``limit`` is
        exact. tantivy-py scores every match whatever we do (it always collects through a
        MultiCollector, so tantivy's block-max WAND never runs: a top 10 of "the" costs as
        much as counting it); the count is what is left to save (``_count_words``)."""
        terms = self._word_terms(words)
        any_word = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, self._boosted(*t)) for t in terms]
        )
        scored = {
            (a.segment_ord, a.doc): (score, a)
            for score, a in searcher.search(any_word, limit, count=False).hits
        }
        phrase = self._title_phrase(words)
        if phrase is not None:
            whole = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, tantivy.Query.boost_query(phrase, TITLE_PHRASE_BOOST)),
                    (tantivy.Occur.Should, any_word),
                ]
            )
            for score, a in searcher.search(whole, limit, count=False).hits:
                scored[(a.segment_ord, a.doc)] = (score, a)
        best = sorted(scored.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        hits = self._hits(searcher, [found for _, found in best])
        if not count:
            return Matches(hits, len(hits))
        return Matches(hits, *self._count_words(searcher, terms, any_word, len(hits)))

    def _count_words(
        self,
        searcher: tantivy.Searcher,
        terms: Sequence[tuple[str, str]],
        any_word: tantivy.Query,
        found: int,
    ) -> tuple[int, bool]:
        """How many papers hold any of the terms: exact up to ``COUNT_UP_TO``; "at least
        that many" when one term alone is in more live papers (its document frequency, less
        every deleted paper the index may still count), without visiting them."""
        deleted = self._deleted(searcher)
        if deleted is not None:
            most = max(int(searcher.doc_freq(name, token)) for name, token in terms)
            if most - deleted >= COUNT_UP_TO:
                return COUNT_UP_TO, True
        result = searcher.search(any_word, 1, count=True)
        return int(getattr(result, "count", None) or found), False

    def _deleted(self, searcher: tantivy.Searcher) -> int | None:
        """Deleted papers the index still holds (document frequencies count them), from
        tantivy's meta.json; None when that file does not describe this searcher's index
        (another process committed since it was opened) or cannot be read."""
        try:
            segments = json.loads((self.path / "meta.json").read_text())["segments"]
            held = sum(int(seg["max_doc"]) for seg in segments)
            deleted = sum(
                int((seg.get("deletes") or {}).get("num_deleted_docs", 0)) for seg in segments
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return deleted if held - deleted == int(searcher.num_docs) else None

    def filters_pass_at_most(self, query: ParsedQuery, papers: int) -> bool:
        """Whether the filters alone (no words) pass ``papers`` papers or fewer. Decided from
        document frequencies where they settle it (an author's rarest name word, the
        categories' sizes), else by counting every paper that passes: a broad category
        counted ~570,000 papers at 3M to learn it was more than a few thousand."""
        searcher = self.index.searcher()
        bounds = [
            min(int(searcher.doc_freq("authors", str(t))) for t in tokens)
            for tokens in (self._terms(a, stem=False) for a in query.authors)
            if tokens
        ]
        if query.categories:
            sizes = [int(searcher.doc_freq("categories", c.lower())) for c in query.categories]
            bounds.append(sum(sizes))
            deleted = self._deleted(searcher)
            only_categories = not (query.authors or query.since or query.until)
            if only_categories and deleted is not None and max(sizes) - deleted > papers:
                return False
        if bounds and min(bounds) <= papers:
            return True
        result = searcher.search(self.build_query(query, text=False), 1, count=True)
        return int(getattr(result, "count", None) or 0) <= papers

    def filter_ids(
        self, query: ParsedQuery, among: Sequence[str] | None = None, limit: int = 5000
    ) -> set[str]:
        """Ids of papers passing the filters alone, optionally only among ``among`` (for
        filtering semantic results: one query instead of a lookup per candidate)."""
        searcher = self.index.searcher()
        tq = self.build_query(query, text=False)
        if among is not None:
            if not among:
                return set()
            tq = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, tq),
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.term_set_query(self.schema, "id", list(among)),
                    ),
                ]
            )
            limit = len(among)
        result = searcher.search(tq, limit, count=False)
        return {str(searcher.doc(a)["id"][0]) for _, a in result.hits}

    def snippets(self, query: ParsedQuery, papers: Sequence[Paper]) -> dict[str, Snippet]:
        """Highlighted abstract fragments for the given papers (those that match the words)."""
        if not query.has_text or not papers:
            return {}
        searcher = self.index.searcher()
        tq = self.build_query(ParsedQuery(terms=query.terms, phrases=query.phrases))
        generator = tantivy.SnippetGenerator.create(searcher, tq, self.schema, "abstract")
        generator.set_max_num_chars(_SNIPPET_CHARS)
        out: dict[str, Snippet] = {}
        for paper in papers:
            doc = tantivy.Document()
            doc.add_text("abstract", paper.abstract)
            snippet = generator.snippet_from_doc(doc)
            fragment = snippet.fragment()
            ranges = _char_ranges(fragment, [(r.start, r.end) for r in snippet.highlighted()])
            if ranges:
                out[paper.id] = Snippet(fragment, ranges)
        return out
