"""Would keyword search meet 5 ms at 3M if the index were split in shards searched at once?

    python bench/lexical_shards_bench.py --data-dir STORE --work DIR [--shards 2] [--queries 200]

tantivy-py scores every paper a query matches (its ``MultiCollector`` keeps tantivy's
block-max WAND from running; see bench/lexical_pruning_bench.py), and searches the segments of
an index one after another. The one way to use the second core for one query that needs no
change to the binding is Elasticsearch's: shards, each a whole index of a part of the papers,
searched in parallel (tantivy-py releases the GIL while it searches), their top hits merged
by score. Each shard scores with its own statistics (document frequencies, average lengths),
as Elasticsearch's ``query_then_fetch`` does, so the merged ranking can differ a little from
one index's: this bench measures by how much, and how fast.

1. The shards are built from the store's papers (a paper's shard: CRC-32 of its id modulo
   ``--shards``), one process per shard at once, with ``LexicalIndex`` as the product builds
   its index (kept in ``--work``; a complete set is reused).
2. The store's own index (``STORE/index/lexical``) against the shards, alternated query by
   query, for the 2–3 word queries of ``scale_bench`` (``web_bench.corpus_sample``): p50/p95
   of ``LexicalIndex.search(query, 15)`` (the search page's call: top 15 and the count) and,
   for the shards, the same call on each in a thread pool, merged (top 15 by score, counts
   summed); the top 10's overlap with the single index's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from _common import machine
from paperwire.models import Paper
from paperwire.search.lexical import LexicalIndex
from paperwire.search.query import ParsedQuery, parse_query
from paperwire.search.types import Hit
from paperwire.service import make_service
from paperwire.settings import load_settings
from web_bench import corpus_sample, load_average

BATCH = 20_000


def shard_of(paper_id: str, shards: int) -> int:
    return zlib.crc32(paper_id.encode()) % shards


def live_papers(data_dir: Path) -> Iterator[Paper]:
    service = make_service(load_settings(data_dir=data_dir))
    try:
        yield from (p for p in service.papers.iter_papers() if not p.deleted)
    finally:
        service.close()


def build_shard(data_dir: Path, folder: Path, shard: int, shards: int) -> tuple[int, float]:
    start = time.perf_counter()
    index = LexicalIndex(folder)
    index.clear()
    batch: list[Paper] = []
    for paper in live_papers(data_dir):
        if shard_of(paper.id, shards) == shard:
            batch.append(paper)
        if len(batch) >= BATCH:
            index.apply(batch, [])
            batch = []
    index.apply(batch, [])
    index.commit()
    (folder / "complete.json").write_text(json.dumps({"shards": shards}))
    return index.num_docs(), time.perf_counter() - start


def shard_folders(work: Path, shards: int) -> list[Path]:
    return [work / f"shard-{n}-of-{shards}" for n in range(shards)]


def build(data_dir: Path, work: Path, shards: int) -> None:
    folders = shard_folders(work, shards)
    if all((f / "complete.json").exists() for f in folders):
        print(f"reusing the {shards} shards in {work}", file=sys.stderr)
        return
    with ProcessPoolExecutor(shards) as pool:
        jobs = [pool.submit(build_shard, data_dir, f, n, shards) for n, f in enumerate(folders)]
        for n, job in enumerate(jobs):
            docs, seconds = job.result()
            print(f"shard {n}: {docs:,} papers in {seconds:.0f} s", file=sys.stderr)


def merged(
    pool: ThreadPoolExecutor, shards: list[LexicalIndex], query: ParsedQuery, limit: int
) -> list[Hit]:
    """The shards' top ``limit`` merged by score (their counts would add up: each shard
    counts its own papers)."""
    parts = list(pool.map(lambda s: s.search(query, limit), shards))
    return sorted((h for p in parts for h in p.hits), key=lambda h: (-h.score, h.id))[:limit]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="folder for the shards")
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    build(args.data_dir, args.work, args.shards)
    single = LexicalIndex(args.data_dir / "index" / "lexical")
    shards = [LexicalIndex(f) for f in shard_folders(args.work, args.shards)]
    _, queries = corpus_sample(2000, 2 * args.queries)
    plain = [parse_query(q) for q in queries if ":" not in q and '"' not in q][: args.queries]
    pool = ThreadPoolExecutor(args.shards)
    for query in plain[:20]:  # warm: the page cache, the term dictionaries
        single.search(query, 15)
        merged(pool, shards, query, 15)
    one: list[float] = []
    split: list[float] = []
    overlap: list[float] = []
    identical = 0
    for _ in range(args.rounds):
        for query in plain:
            start = time.perf_counter()
            exact = single.search(query, 15)
            one.append(time.perf_counter() - start)
            start = time.perf_counter()
            hits = merged(pool, shards, query, 15)
            split.append(time.perf_counter() - start)
            top = [h.id for h in exact.hits[:10]]
            overlap.append(len(set(top) & {h.id for h in hits[:10]}) / max(1, len(top)))
            identical += top == [h.id for h in hits[:10]]
    print(
        f"Machine: {machine()}. {len(plain)} queries x {args.rounds} rounds, the two "
        f"alternated query by query; load average at the end {load_average()}.\n\n"
        "| index | p50 ms | p95 ms | top-10 overlap with one index | identical top 10 |\n"
        "|---|---|---|---|---|\n"
        f"| one index ({single.num_docs():,} papers) | {1000 * statistics.median(one):.2f} | "
        f"{1000 * percentile(one, 0.95):.2f} | 1.000 | — |\n"
        f"| {args.shards} shards in parallel | {1000 * statistics.median(split):.2f} | "
        f"{1000 * percentile(split, 0.95):.2f} | {statistics.mean(overlap):.3f} | "
        f"{identical} / {len(split)} |"
    )


if __name__ == "__main__":
    main()
