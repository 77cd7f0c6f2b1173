"""Fill a bench store's missing embeddings with a *surrogate*, for latency measurements only.

    python bench/surrogate_vectors.py --data-dir DIR [--noise 0.3] [--seed 14]
                                      [--real-vectors FILE.npz]

Embedding the 200k corpus takes ~35 minutes of both cores here (hours on a shared machine);
search latency depends on how many vectors there are and how they cluster, not on which paper
each belongs to. So every paper without a vector gets the vector of a randomly chosen really
embedded paper plus Gaussian noise (``--noise`` times the spread of one coordinate),
renormalised: the real vectors' clusters, at the store's size (issue 14 names the same
surrogate for vectors at 1M and 3M). The rows carry the text hash ``surrogate``, so a later
`paperwire embed` replaces them with real vectors. Every number measured on such a store must
say how many of its vectors are real (`search_bench.py` prints it; this script prints it too).

The real vectors are the store's own (``paperwire embed --limit N``), and with
``--real-vectors FILE.npz`` also those of a file of vectors computed elsewhere (numpy arrays
``ids`` and ``vectors``, float32, normalised, same model): each of its papers the store holds
gets its own vector from the file (text hash ``file``, so `paperwire embed` would still
recompute it with this model's own runtime), and they join the pool the surrogates are drawn
from. Unlike embedding, this takes seconds per 100k papers (issue 14 used 59,411 real vectors
of corpus papers to seed the 1M store).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperwire.service import make_service
from paperwire.settings import load_settings

if TYPE_CHECKING:
    from paperwire.search.embedder import Embedder
    from paperwire.store import Store

BATCH = 5000
SURROGATE_HASH = "surrogate"
FILE_HASH = "file"


def store_file_vectors(
    store: Store, embedder: Embedder, path: Path, real: dict[str, np.ndarray]
) -> int:
    """Store the vectors of ``path`` for the live papers the store holds, add them to
    ``real`` (the pool surrogates are drawn from); return how many were stored."""
    data = np.load(path)
    ids = [str(i) for i in data["ids"]]
    vectors = np.asarray(data["vectors"], dtype=np.float32)
    if vectors.shape[1] != embedder.dim:
        raise SystemExit(f"{path}: vectors of {vectors.shape[1]} dimensions, not {embedder.dim}")
    live = store.papers.live_ids(ids)
    stored = 0
    for start in range(0, len(ids), BATCH):
        rows = [
            (paper_id, FILE_HASH, vector.astype(np.float16).tobytes())
            for paper_id, vector in zip(
                ids[start : start + BATCH], vectors[start : start + BATCH], strict=True
            )
            if paper_id in live and paper_id not in real
        ]
        store.embeddings.put_embeddings(embedder.name, embedder.dim, rows)
        for paper_id, _, vector in rows:
            real[paper_id] = np.frombuffer(vector, dtype=np.float16).astype(np.float32)
        stored += len(rows)
    return stored


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--real-vectors", type=Path, help=".npz with arrays ids, vectors")
    args = parser.parse_args()
    service = make_service(load_settings(data_dir=args.data_dir))
    store = service.store
    embedder = service.search.embedder()
    if embedder is None:
        raise SystemExit("no embedding model available")
    real: dict[str, np.ndarray] = {}
    seq = 0
    while rows := store.embeddings.embeddings_since(embedder.name, seq):
        for paper_id, vector, _ in rows:
            if vector:
                real[paper_id] = np.frombuffer(vector, dtype=np.float16).astype(np.float32)
            else:
                real.pop(paper_id, None)
        seq = rows[-1][2]
    from_file = 0
    if args.real_vectors is not None:
        from_file = store_file_vectors(service.store, embedder, args.real_vectors, real)
    if not real:
        raise SystemExit("no real vectors to draw from: run `paperwire embed --limit N` first")
    matrix = np.stack(list(real.values()))
    spread = float(matrix.std())
    rng = np.random.default_rng(args.seed)
    missing = [p.id for p in service.papers.iter_papers() if not p.deleted and p.id not in real]
    for start in range(0, len(missing), BATCH):
        ids = missing[start : start + BATCH]
        drawn = matrix[rng.integers(0, len(matrix), len(ids))]
        noisy = drawn + rng.normal(0.0, args.noise * spread, drawn.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        rows = [
            (paper_id, SURROGATE_HASH, vector.astype(np.float16).tobytes())
            for paper_id, vector in zip(ids, noisy, strict=True)
        ]
        store.embeddings.put_embeddings(embedder.name, embedder.dim, rows)
    print(
        f"{len(real):,} real vectors ({from_file:,} of them stored from {args.real_vectors}), "
        f"{len(missing):,} surrogate vectors added "
        f"(noise {args.noise} x {spread:.4f}, seed {args.seed})"
    )


if __name__ == "__main__":
    main()
