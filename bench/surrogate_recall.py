"""Is a graph's low recall on a surrogate corpus the surrogate's doing? (issue 14)

    python bench/surrogate_recall.py --real-vectors VECTORS.npz [--size 1000000]

The file's real all-MiniLM-L6-v2 vectors grown to ``--size`` vectors as
``surrogate_vectors.py`` grows a store (a random real vector plus Gaussian noise, renormalised)
with noise 0.3 (the scale bench's) and 0.6; an int8 graph as ``search/vectors.py`` builds it;
recall@10 of 200 real text queries against exact search; and the median cosine of a vector to
its nearest other, real against surrogate: what a surrogate should keep and does not.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime  # noqa: F401  (before usearch: the other order crashes, see search/vectors.py)
from usearch.index import Index

from paperwire.search.embedder import Embedder
from paperwire.search.vectors import int8_scale, quantise
from web_bench import corpus_sample

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--real-vectors", type=Path, required=True)
parser.add_argument("--size", type=int, default=1_000_000)
args = parser.parse_args()
N = args.size
with np.load(args.real_vectors) as f:
    real = f["vectors"].astype(np.float32)
real /= np.linalg.norm(real, axis=1, keepdims=True)
spread = float(real.std())
_, queries = corpus_sample(2000, 400)
plain = [q for q in queries if ":" not in q][:200]
embedder = Embedder(None)
Q = np.stack([embedder.embed_query(q.strip('"')) for q in plain]).astype(np.float32)


def surrogate(noise: float, seed: int = 14) -> np.ndarray:
    """The real vectors, then copies of random ones plus noise, as surrogate_vectors.py."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(real), N - len(real))
    noisy = real[pick] + rng.normal(0, noise * spread, (len(pick), real.shape[1]))
    noisy = noisy.astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return np.vstack([real, noisy]).astype(np.float16)


def nearest_cosine(vectors: np.ndarray, sample: int = 300) -> float:
    """Median cosine of a vector to its nearest other (a sample of 300 vectors)."""
    rows = np.random.default_rng(1).choice(len(vectors), sample, replace=False)
    scores = vectors[rows].astype(np.float32) @ vectors.astype(np.float32).T
    scores[np.arange(sample), rows] = -1
    return float(np.median(scores.max(axis=1)))


out: dict[str, object] = {
    "size": N,
    "real: nearest-neighbour cosine (median)": round(nearest_cosine(real), 3),
}
for noise in (0.3, 0.6):
    vectors = surrogate(noise)
    out[f"noise {noise}: nearest-neighbour cosine (median)"] = round(nearest_cosine(vectors), 3)
    truth = np.argpartition(-(Q @ vectors.astype(np.float32).T), 10, axis=1)[:, :10]
    scale = int8_scale(vectors)
    graph = Index(
        ndim=real.shape[1],
        metric="cos",
        dtype="i8",
        connectivity=16,
        expansion_add=128,
        expansion_search=128,
    )
    started = time.perf_counter()
    graph.add(np.arange(N, dtype=np.uint64), quantise(vectors, scale))
    out[f"noise {noise}: int8 graph build s"] = round(time.perf_counter() - started)
    found = [
        len(set(graph.search(q, 10).keys.tolist()) & set(t.tolist())) / 10
        for q, t in zip(quantise(Q, scale), truth, strict=True)
    ]
    out[f"noise {noise}: recall@10"] = round(float(np.mean(found)), 3)
    print(json.dumps(out), flush=True)
