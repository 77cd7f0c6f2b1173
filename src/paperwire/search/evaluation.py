"""Search quality on a BEIR benchmark (e.g. SciFact): a throw-away store and indexes holding
the benchmark's documents, each search mode scored with nDCG@10, recall@100 and MRR@10.

It lives next to the search code it evaluates and builds the same parts ``make_service``
does (store, lexical and vector index, engine), in a temporary folder."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from paperwire.models import Paper
from paperwire.search import beir
from paperwire.search.beir import Benchmark, Evaluation
from paperwire.search.embedder import DIM, Embedder
from paperwire.search.engine import SearchEngine
from paperwire.search.indexer import SearchIndex, embed_pending
from paperwire.search.query import ParsedQuery
from paperwire.store import Store

ProgressFn = Callable[[int], None]
WRITE_CHUNK = 2000


class Scratch:
    """A benchmark's documents, stored and indexed (and embedded, when asked)."""

    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine

    def score(self, benchmark: Benchmark, mode: str) -> dict[str, float]:
        def run(query: ParsedQuery) -> list[str]:
            response = self.engine.search(query, mode=mode, limit=100, snippets=False)
            return [r.paper.id for r in response.results]

        return beir.score(benchmark, run)


@contextlib.contextmanager
def workspace(
    benchmark: Benchmark,
    *,
    embedder: Embedder | None,
    candidates: int,
    hnsw_threshold: int,
    embed_batch_size: int,
    progress: ProgressFn | None = None,
) -> Iterator[Scratch]:
    """``embedder`` None: lexical only (nothing is embedded)."""
    with tempfile.TemporaryDirectory(prefix="paperwire-eval-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'eval.db'}")
        try:
            store.migrate()
            for start in range(0, len(benchmark.docs), WRITE_CHUNK):
                chunk = benchmark.docs[start : start + WRITE_CHUNK]
                store.papers.update_papers([d.id for d in chunk], _write_all(chunk))
            if embedder is not None:
                embed_pending(store, embedder, batch_size=embed_batch_size, progress=progress)
            model = embedder.name if embedder is not None else "no-model"
            index = SearchIndex(store, Path(tmp) / "index", model, DIM, hnsw_threshold)
            index.catch_up()
            index.vectors.prepare()
            yield Scratch(SearchEngine(store, index, lambda: embedder, candidates))
        finally:
            store.close()


def evaluate(
    path: Path,
    *,
    split: str,
    modes: Iterable[str],
    embedder: Callable[[], Embedder | None],
    candidates: int,
    hnsw_threshold: int,
    embed_batch_size: int,
    progress: ProgressFn | None = None,
) -> Evaluation:
    """Score each search mode on the BEIR benchmark in ``path``."""
    modes = list(modes)
    benchmark = beir.load(path, split)
    wanted = embedder() if any(m != "lexical" for m in modes) else None
    with workspace(
        benchmark,
        embedder=wanted,
        candidates=candidates,
        hnsw_threshold=hnsw_threshold,
        embed_batch_size=embed_batch_size,
        progress=progress,
    ) as scratch:
        scores = {mode: scratch.score(benchmark, mode) for mode in modes}
    return Evaluation(scores, benchmark.problems)


def _write_all(papers: list[Paper]) -> Callable[[dict[str, Paper]], list[Paper]]:
    """A store ``decide`` function that writes the given papers as they are."""
    return lambda _existing: papers
