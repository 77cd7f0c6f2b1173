"""How fast is an engine that prunes (PISA's block-max WAND) on the 3M corpus? (issue 14)

    # in a virtual environment of its own: pip install pyterrier-pisa (no Java needed)
    python bench/pisa_probe_bench.py --corpus /work/scale/papers-3000000.jsonl.gz \\
        --queries QUERIES.txt --index DIR

The keyword target (p50 ≤ 5 ms at 3M) is missed because tantivy-py scores every paper a
query matches (bench/lexical_pruning_bench.py). PISA, a C++ engine built for this, is on PyPI
with its index builder and block-max WAND (``pyterrier-pisa``, through PyTerrier). This is a
probe, not the product's ranking: one text field per paper (the title twice, then the
abstract: a crude title boost), PISA's BM25 (k1 0.9, b 0.4), no phrases, authors or
categories, and a PISA index cannot take updates (it is rebuilt). It answers one question:
how long an index build and a top-15 query take at this size, the query through PyTerrier's
``search`` (its pandas frames included) as the product would call it.

``QUERIES.txt``: one query a line, e.g. the plain-word queries of ``scale_bench``:
``python -c "from web_bench import corpus_sample; ..."`` (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path


def documents(corpus: Path) -> Iterator[dict[str, str]]:
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            title = " ".join(record.get("title", "").split())
            yield {"docno": record["id"], "text": f"{title} {title} {record.get('abstract', '')}"}


def main() -> None:
    from pyterrier_pisa import PisaIndex

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    index = PisaIndex(str(args.index), threads=1)
    if not index.built():
        start = time.perf_counter()
        index.index(documents(args.corpus))
        print(f"index built in {time.perf_counter() - start:.0f} s (1 thread)")
    size = sum(f.stat().st_size for f in args.index.rglob("*") if f.is_file())
    queries = [q for q in args.queries.read_text().splitlines() if q.strip()]
    retriever = index.bm25(num_results=15)
    for query in queries[:20]:
        retriever.search(query)
    times = []
    for _ in range(args.rounds):
        for query in queries:
            start = time.perf_counter()
            retriever.search(query)
            times.append(time.perf_counter() - start)
    ordered = sorted(times)
    print(
        f"{len(queries)} queries x {args.rounds}: p50 {1000 * statistics.median(times):.2f} ms, "
        f"p95 {1000 * ordered[int(0.95 * len(ordered))]:.2f} ms; index {size / 1e9:.2f} GB"
    )


if __name__ == "__main__":
    main()
