"""Exact scan or HNSW graph (issue 16: ``hnsw_threshold`` by measurement).

    python bench/hnsw_bench.py --data-dir DIR   (a store from known_item_bench.py, embedded)

Cost: the exact scan as ``search/vectors.py`` runs it (float32 matrix @ query, argpartition,
top 100) at 30k, 100k and 200k rows. The 100k and 200k matrices are a *surrogate*: the store's
real vectors repeated with noise, renormalised (the scan's cost does not depend on the values).
Quality: the HNSW graph's recall of the exact 10 and 100 nearest neighbours of real query
vectors (the known-item fragment and keyword queries, embedded), on the real 30k vectors and on
the surrogates.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np

from _common import machine, stored_vectors
from paperwire.search.vectors import int8_scale, quantise
from paperwire.service import make_service
from paperwire.settings import load_settings

SIZES = (30_000, 100_000, 200_000)
QUERIES = 200


def exact_top(matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ query
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    os.environ["PAPERWIRE_DATA_DIR"] = str(args.data_dir)
    service = make_service(load_settings())
    service.search.index()
    vectors = service.search.engine.index.vectors
    real = stored_vectors(service)[1].astype(np.float32)
    embedder = service.search.embedder()
    assert embedder is not None
    texts = []
    for kind in ("fragment", "keywords"):
        lines = (args.data_dir / "sets" / f"{kind}.jsonl").read_text().splitlines()
        texts += [json.loads(line)["query"] for line in lines[: QUERIES // 2]]
    queries = embedder.embed(texts).astype(np.float32)
    rng = np.random.default_rng(16)
    print(f"hnsw · {machine()} · {date.today()} · {len(real):,} real vectors, {len(texts)} queries")
    print("| rows | exact scan p50 ms | graph p50 ms | graph recall@10 | graph recall@100 |")
    print("|---|---|---|---|---|")
    for size in SIZES:
        if size <= len(real) * 1.01:  # the store's own vectors (29,988 of a 30k store)
            matrix = real[:size]
            label = f"{len(matrix):,} (real)"
        else:
            reps = -(-size // len(real))
            matrix = np.tile(real, (reps, 1))[:size]
            matrix = matrix + rng.normal(0, 0.02, matrix.shape).astype(np.float32)
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
            label = f"{size:,} (surrogate)"
        scan = []
        truth = []
        for q in queries:
            t = time.perf_counter()
            truth.append(exact_top(matrix, q, 100))
            scan.append(time.perf_counter() - t)
        graph = vectors._new_hnsw()  # the product's own settings, int8 as it scales them
        scale = int8_scale(matrix)
        graph.add(np.arange(len(matrix)), quantise(matrix, scale), threads=2)
        took, r10, r100 = [], [], []
        for q, want in zip(queries, truth, strict=True):
            t = time.perf_counter()
            found = graph.search(quantise(q, scale), 100).keys
            took.append(time.perf_counter() - t)
            r10.append(len(set(found[:10]) & set(want[:10])) / 10)
            r100.append(len(set(found) & set(want)) / 100)
        print(
            f"| {label} | {statistics.median(scan) * 1000:.2f} | "
            f"{statistics.median(took) * 1000:.2f} | {statistics.fmean(r10):.3f} | "
            f"{statistics.fmean(r100):.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
