"""Could keyword search skip the postings of common words? (issue 14: lexical p50 ≤ 5 ms at 3M)

    python bench/lexical_pruning_bench.py --index DIR/index/lexical [--known-items SETS_DIR]

tantivy-py scores every paper a query matches (it collects through a ``MultiCollector``, so
tantivy's block-max WAND never runs), so a plain-word search costs the postings of all its
words. This bench measures two ways around it that need no change to tantivy-py, against the
product's ranking (one OR of every word's boosted terms, ``LexicalIndex._word_terms``), on
the 2-3 word queries of ``scale_bench`` (``web_bench.corpus_sample``), in one process:

- **rarer words first** (Lucene's CommonTermsQuery, Elasticsearch's ``cutoff_frequency``):
  a word in more than 1% of the papers only adds to the score of papers holding a rarer word
  (each of its terms one optional clause per level, so tantivy seeks its postings instead of
  walking them); with no rarer word, the rarest word decides;
- **two stages**: the top ``K`` papers by the rarer words alone, rescored with every word.

For each: p50/p95 of the top 15 (the search page's), the top 10's overlap with the exact
ranking, and with ``--known-items`` the R@1/R@10 of ``bench/known_item_bench.py``'s sets
(JSON lines ``{"query", "id"}``) searched through each ranking.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import tantivy

from _common import machine
from paperwire.search.lexical import LexicalIndex
from paperwire.search.query import ParsedQuery, parse_query
from web_bench import corpus_sample

COMMON_SHARE = 0.01
Ranking = Callable[[ParsedQuery, int], list[str]]


def rankings(index: LexicalIndex) -> dict[str, Ranking]:
    searcher = index.index.searcher()
    papers = int(searcher.num_docs)
    should, must = tantivy.Occur.Should, tantivy.Occur.Must

    def any_of(terms: list[tuple[str, str]]) -> tantivy.Query:
        return tantivy.Query.boolean_query([(should, index._boosted(*t)) for t in terms])

    def ids(query: tantivy.Query, limit: int) -> list[str]:
        found = searcher.search(query, limit, count=False).hits
        return [str(searcher.doc(a)["id"][0]) for _, a in found]

    def split(words: ParsedQuery) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(terms of the rarer words, terms of the common ones), terms no paper holds left out."""
        by_word = []
        for word in words.terms:
            own = [t for t in index._word_terms([word]) if searcher.doc_freq(*t)]
            if own:
                by_word.append((max(int(searcher.doc_freq(*t)) for t in own), own))
        by_word.sort(key=lambda item: item[0])
        rare = [own for df, own in by_word if df <= COMMON_SHARE * papers]
        rare_terms = [t for own in rare or [own for _, own in by_word[:1]] for t in own]
        return rare_terms, [t for _, own in by_word for t in own if t not in rare_terms]

    def exact(words: ParsedQuery, limit: int) -> list[str]:
        return ids(any_of(index._word_terms(words.terms)), limit)

    def rarer_first(words: ParsedQuery, limit: int) -> list[str]:
        rare, common = split(words)
        if not rare:
            return []
        query = any_of(rare)
        for term in common:
            query = tantivy.Query.boolean_query([(must, query), (should, index._boosted(*term))])
        return ids(query, limit)

    def two_stages(words: ParsedQuery, limit: int, first: int = 100) -> list[str]:
        rare, common = split(words)
        if not rare:
            return []
        if not common:
            return ids(any_of(rare), limit)
        candidates = tantivy.Query.term_set_query(index.schema, "id", ids(any_of(rare), first))
        rescored = [(must, tantivy.Query.const_score_query(candidates, 0.0))]
        return ids(tantivy.Query.boolean_query([*rescored, (should, any_of(rare + common))]), limit)

    return {"exact": exact, "rarer words first": rarer_first, "two stages (K=100)": two_stages}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True, help="a lexical index folder")
    parser.add_argument("--known-items", type=Path, help="folder of known-item sets (*.jsonl)")
    args = parser.parse_args()
    index = LexicalIndex(args.index)
    _, sample = corpus_sample(2000, 400)
    queries = [parse_query(q) for q in sample if ":" not in q and '"' not in q]
    ranked = rankings(index)
    print(f"{machine()}; {int(index.index.searcher().num_docs):,} papers; {len(queries)} queries")
    print("| ranking | p50 / p95 ms (top 15) | top-10 overlap with exact | identical top 10 |")
    print("|---|---|---|---|")
    truth = [ranked["exact"](q, 10) for q in queries]
    for name, rank in ranked.items():
        for q in queries[:10]:  # warm
            rank(q, 15)
        times, overlap = [], []
        for q, expected in zip(queries, truth, strict=True):
            started = time.perf_counter()
            rank(q, 15)
            times.append(time.perf_counter() - started)
            got = rank(q, 10)
            overlap.append(len(set(got) & set(expected)) / max(1, len(expected)))
        times.sort()
        print(
            f"| {name} | {statistics.median(times) * 1000:.1f} / "
            f"{times[int(len(times) * 0.95)] * 1000:.1f} | {statistics.mean(overlap):.3f} "
            f"| {sum(o == 1 for o in overlap)} / {len(overlap)} |",
            flush=True,
        )
    if args.known_items:
        print("\n| set | " + " | ".join(f"{name} R@1 / R@10" for name in ranked) + " |")
        print("|---|" + "---|" * len(ranked))
        for path in sorted(args.known_items.glob("*.jsonl")):
            items = [json.loads(line) for line in path.read_text().splitlines() if line]
            cells = []
            for rank in ranked.values():
                found = [rank(parse_query(item["query"]), 10) for item in items]
                at1 = sum(f[:1] == [i["id"]] for f, i in zip(found, items, strict=True))
                at10 = sum(i["id"] in f for f, i in zip(found, items, strict=True))
                cells.append(f"{at1 / len(items):.3f} / {at10 / len(items):.3f}")
            print(f"| {path.stem} ({len(items)}) | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
