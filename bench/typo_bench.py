"""Typo recovery (issue 16): symspellpy over the index's vocabulary against tantivy's fuzzy
term queries, on misspelled titles (one edit in one or two words, from known_item_bench.py).

    python bench/typo_bench.py --data-dir DIR

For each query: keyword search as typed; with the unknown words corrected by the speller
(what the product does when nothing matches); and with each unknown word searched as a fuzzy
term (distance 1, in the unstemmed words of titles and abstracts). Reports R@1 / R@10, the
share of misspelled words put back exactly (the speller only: a fuzzy query names no word),
and the median time per query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date
from pathlib import Path

import tantivy

from _common import machine
from paperwire.search import known_item
from paperwire.search.lexical import LexicalIndex
from paperwire.search.query import ParsedQuery, parse_query, words
from paperwire.search.spelling import MIN_WORD, Speller
from paperwire.service import make_service
from paperwire.settings import load_settings


def fuzzy_search(lexical: LexicalIndex, query: ParsedQuery, limit: int) -> list[str]:
    occur = tantivy.Occur
    clauses = []
    for word in query.terms:
        if len(word) >= MIN_WORD and not lexical.knows(word):
            q = tantivy.Query.fuzzy_term_query(lexical.schema, "words", word, distance=1)
        else:
            q = lexical.build_query(ParsedQuery(terms=[word]))
        clauses.append((occur.Should, q))
    searcher = lexical.index.searcher()
    result = searcher.search(tantivy.Query.boolean_query(clauses), limit, count=False)
    return [str(searcher.doc(a)["id"][0]) for _, a in result.hits]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    os.environ["PAPERWIRE_DATA_DIR"] = str(args.data_dir)
    service = make_service(load_settings())
    service.search.index()
    engine = service.search.engine
    lexical = engine.index.lexical
    items, _ = known_item.load(args.data_dir / "sets" / "typo.jsonl")
    papers = service.store.papers.get_papers([i.id for i in items])
    titles = {p.id: words(p.title) for p in papers.values()}
    speller = Speller(lexical)
    started = time.perf_counter()
    speller.correct(["qqqqzzzz"])  # builds the dictionary
    build_s = time.perf_counter() - started
    hits = {"as typed": [0, 0], "speller": [0, 0], "fuzzy": [0, 0]}
    times: dict[str, list[float]] = {"speller": [], "fuzzy": []}
    fixed = wrong = 0
    for item in items:
        query = parse_query(item.query)
        ranked = {"as typed": [h.id for h in lexical.search(query, 10, count=False)[0]]}
        t = time.perf_counter()
        correction = speller.correct(query.terms)
        corrected = query if correction is None else ParsedQuery(terms=correction.words)
        ranked["speller"] = [h.id for h in lexical.search(corrected, 10, count=False)[0]]
        times["speller"].append(time.perf_counter() - t)
        t = time.perf_counter()
        ranked["fuzzy"] = fuzzy_search(lexical, query, 10)
        times["fuzzy"].append(time.perf_counter() - t)
        for name, ids in ranked.items():
            hits[name][0] += ids[:1] == [item.id]
            hits[name][1] += item.id in ids
        truth = titles[item.id]
        for _typed, fix in correction.changed if correction else []:
            fixed += fix in truth
            wrong += fix not in truth
    n = len(items)
    print(f"typos · {machine()} · {date.today()} · {args.data_dir} · {n} queries")
    print(f"speller dictionary built in {build_s:.1f} s")
    print(f"misspelled words corrected to the title's word: {fixed}, to another word: {wrong}\n")
    print("| keyword search | R@1 | R@10 | median ms / query (correction or fuzzy + search) |")
    print("|---|---|---|---|")
    for name, (at1, at10) in hits.items():
        ms = f"{statistics.median(times[name]) * 1000:.2f}" if name in times else ""
        print(f"| {name} | {at1 / n:.3f} | {at10 / n:.3f} | {ms} |")


if __name__ == "__main__":
    main()
