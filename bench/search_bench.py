"""Search latency on a large store (issue 3): lexical, semantic and hybrid, warm, one process,
200 varied queries, against brute-force baselines measured in the same run; and the serving
process's memory.

    python bench/search_bench.py --data-dir DIR [--queries 200]

DIR holds a store with the 200k corpus imported (`paperwire import papers-200k.jsonl.gz`),
indexed, and embedded as far as `paperwire embed` has got (the report says how many papers
are embedded: semantic latency is measured on that part).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from _common import machine, serving_env, stored_vectors
from paperwire.service import make_service
from paperwire.settings import load_settings
from web_bench import get, server


def serving_memory(data_dir: Path, queries: list[str], ids: list[str]) -> tuple[float, float]:
    """RSS and peak RSS (MB) of a real `paperwire serve` process (one worker) on the store,
    after it has answered every query in hybrid mode and a paper page per id."""
    env = serving_env(PAPERWIRE_DATA_DIR=str(data_dir))
    with server(env, 1) as (base, proc):
        for q in queries:
            get(f"{base}/search?q={quote(q)}&mode=hybrid")
        for paper_id in ids:
            get(f"{base}/papers/{paper_id}")
        status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
    fields = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in status if "kB" in line}
    return fields["VmRSS"], fields["VmHWM"]


def make_queries(titles: list[str], authors: list[str], n: int, seed: int = 7) -> list[str]:
    """Deterministic, varied queries: 2–4 title words, single words, phrases, an author, a
    category or date filter combined with words."""
    rng = random.Random(seed)
    queries = []
    while len(queries) < n:
        words = [w.strip(".,:;()") for w in rng.choice(titles).split() if len(w) > 3]
        if len(words) < 4:
            continue
        kind = len(queries) % 8
        if kind == 0:
            queries.append(words[0].lower())
        elif kind == 1:
            queries.append(f'"{" ".join(words[:2])}"')
        elif kind == 2:
            queries.append(f"{' '.join(words[:2])} cat:cs.CV")
        elif kind == 3:
            queries.append(f"{' '.join(words[:3])} since:2025-06-01")
        elif kind == 4:
            queries.append(f'author:"{rng.choice(authors)}"')
        else:
            queries.append(" ".join(rng.sample(words, min(len(words), 2 + kind % 3))))
    return queries


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def search_latency(service: Any, mode: str, queries: list[str]) -> tuple[float, float]:
    """p50 and p95 (ms) of ``queries`` in ``mode``, warm (10 first, for the caches, the
    HNSW graph and the page cache), the query embedding included (its cache cleared)."""
    for q in queries[:10]:
        service.search.search(q, mode=mode)
    service.search.engine._embed_query.cache_clear()
    times = []
    for q in queries:
        t = time.perf_counter()
        service.search.search(q, mode=mode, limit=10)
        times.append(time.perf_counter() - t)
    return percentiles(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    service = make_service(load_settings(data_dir=args.data_dir))
    service.init()  # bring an older bench store's schema up to date
    started = time.perf_counter()
    service.search.index()
    engine = service.search.engine
    load_s = time.perf_counter() - started
    papers = list(service.papers.iter_papers())
    titles = [p.title for p in papers]
    authors = [p.authors[0] for p in papers if p.authors and len(p.authors[0]) > 6]
    queries = make_queries(titles, authors, args.queries)
    embedded = engine.index.vectors.size
    rows = []
    for mode in ("lexical", "semantic", "hybrid"):
        if mode != "lexical" and embedded == 0:
            continue
        p50, p95 = search_latency(service, mode, queries)
        rows.append((mode, p50, p95))

    # Baselines in the same run: brute-force numpy over every stored vector, and a full scan
    # of the abstracts for the query words.
    text_queries = [q for q in queries if ":" not in q][:20]
    vectors = engine.index.vectors
    brute, overlap = [], []
    if embedded:
        stored_ids, stored = stored_vectors(service)
        matrix = stored.astype(np.float32)
        embedder = service.search.embedder()
        assert embedder is not None
        for q in text_queries:
            t = time.perf_counter()
            query_vector = embedder.embed_query(q.strip('"'))
            scores = matrix @ query_vector
            top = np.argpartition(-scores, 10)[:10]
            brute.append(time.perf_counter() - t)
            # How many of the exact 10 nearest the index (HNSW above its threshold) finds.
            exact_ids = {stored_ids[int(i)] for i in top}
            found = {h.id for h in vectors.search(query_vector, 10)}
            overlap.append(len(exact_ids & found) / 10)
    haystack = [f"{p.title} {p.abstract}".lower() for p in papers]
    scan = []
    for q in text_queries:
        words = [w.lower() for w in q.strip('"').split()]
        t = time.perf_counter()
        [i for i, text in enumerate(haystack) if all(w in text for w in words)][:10]
        scan.append(time.perf_counter() - t)
    sample_ids = [p.id for p in papers[:: max(1, len(papers) // 200)]][:200]
    del haystack, papers
    # The bench process holds every abstract for its baselines: the memory that matters is a
    # serving process's, so measure a real one (after this process's timings, not during).
    rss, peak = serving_memory(args.data_dir, queries, sample_ids)

    print(f"Search latency · {machine()} · {date.today()} · {len(queries)} queries, warm\n")
    print(
        f"store: {service.papers.stats()['papers']:,} papers; embedded: {embedded:,} "
        f"({'HNSW' if vectors.uses_hnsw else 'exact'} vector search); "
        f"index open + catch-up {load_s:.1f} s\n"
    )
    print(
        f"`paperwire serve` (1 worker) after {len(queries)} hybrid searches and "
        f"{len(sample_ids)} paper pages: RSS {rss:.0f} MB, peak {peak:.0f} MB (target < 1,500)\n"
    )
    print("| mode | p50 | p95 |\n|---|---|---|")
    for mode, p50, p95 in rows:
        print(f"| {mode} | {p50:.1f} ms | {p95:.1f} ms |")
    scan50, _ = percentiles(scan)
    lex50 = rows[0][1]
    print(f"| baseline: full scan of {len(titles):,} abstracts (Python) | {scan50:.0f} ms | |")
    if brute:
        brute50, brute95 = percentiles(brute)
        print(
            f"| baseline: numpy dot over all {embedded:,} vectors, query embedding included "
            f"| {brute50:.1f} ms | {brute95:.1f} ms |"
        )
        sem50 = next(p50 for mode, p50, _ in rows if mode == "semantic")
        print(
            f"\nsemantic p50 vs brute force: {brute50 / sem50:.1f}x faster; the vector "
            f"index finds {statistics.fmean(overlap):.0%} of the exact 10 nearest neighbours "
            f"(mean over {len(overlap)} queries)"
        )
    print(f"lexical p50 vs full scan: {scan50 / lex50:.0f}x faster")


if __name__ == "__main__":
    main()
