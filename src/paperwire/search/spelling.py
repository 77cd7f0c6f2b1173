""" "Did you mean": spelling corrections from the lexical index's own vocabulary.

The vocabulary is the term dictionary of the index's unstemmed ``words`` field (titles and
abstracts), read with tantivy's ``terms_with_prefix``; symspellpy (symmetric delete) looks a
word up in it. Chosen over tantivy's fuzzy term queries by measurement (docs/benchmarks.md,
"Search quality (issue 16)"): a fuzzy query finds documents, not the word the user meant, so
it cannot say "showing results for ...", and it was slower per query.

Only words the index has never seen are corrected, to the most frequent known word within
``MAX_EDITS`` (a real word that is the wrong one cannot be told apart without a language model).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from symspellpy import SymSpell, Verbosity

from paperwire.search.lexical import LexicalIndex

MAX_EDITS = 1
MIN_WORD = 4  # shorter words have too many neighbours one edit away to guess from
MIN_COUNT = 1  # rare words are the ones people misspell (a title's coinage)
REBUILD_GROWTH = 1.05  # rebuild the dictionary once the index has grown this much
_CORRECTABLE = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class Correction:
    words: list[str]  # the query's words, each replaced by its correction where it has one
    changed: list[tuple[str, str]]  # (typed, corrected) pairs


class Speller:
    """Builds its dictionary once per process (seconds: ~8 s for the 56k words of a 30k-paper
    store on the reference machine), on the first word it does not know or when ``warm`` is
    called (``paperwire serve`` does, in the background, at start). Once the index has grown
    by ``REBUILD_GROWTH`` a new one is built in the background while the old one answers."""

    def __init__(self, lexical: LexicalIndex) -> None:
        self.lexical = lexical
        self._lock = threading.Lock()
        self._symspell: SymSpell | None = None
        self._built_docs = 0
        self._rebuilding = False

    def _build(self) -> tuple[SymSpell, int]:
        docs = self.lexical.num_docs()
        symspell = SymSpell(max_dictionary_edit_distance=MAX_EDITS, count_threshold=1)
        for term, count in self.lexical.vocabulary(MIN_COUNT):
            if len(term) >= MIN_WORD and _CORRECTABLE.fullmatch(term):
                symspell.create_dictionary_entry(term, count)
        return symspell, docs

    def _rebuild_in_background(self) -> None:
        def run() -> None:
            try:
                built = self._build()
                with self._lock:
                    self._symspell, self._built_docs = built
            finally:
                self._rebuilding = False

        self._rebuilding = True
        threading.Thread(target=run, name="speller-rebuild", daemon=True).start()

    def _dictionary(self) -> SymSpell:
        with self._lock:
            if self._symspell is None:
                self._symspell, self._built_docs = self._build()
            elif (
                not self._rebuilding and self.lexical.num_docs() > self._built_docs * REBUILD_GROWTH
            ):
                self._rebuild_in_background()
            return self._symspell

    def warm(self) -> None:
        """Build the dictionary now, in a background thread."""
        threading.Thread(target=self._dictionary, name="speller-warm", daemon=True).start()

    def correct(self, words: Sequence[str]) -> Correction | None:
        """Corrections for the words the index does not know; None when there are none."""
        unknown = [
            w
            for w in dict.fromkeys(words)
            if len(w) >= MIN_WORD and _CORRECTABLE.fullmatch(w) and not self.lexical.knows(w)
        ]
        if not unknown:
            return None
        symspell = self._dictionary()
        fixes: dict[str, str] = {}
        for word in unknown:
            found = symspell.lookup(word, Verbosity.CLOSEST, max_edit_distance=MAX_EDITS)
            if found:
                # CLOSEST: the fewest edits; among those, the most documents.
                fixes[word] = max(found, key=lambda s: (s.count, s.term)).term
        if not fixes:
            return None
        return Correction([fixes.get(w, w) for w in words], list(fixes.items()))
