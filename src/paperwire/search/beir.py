"""Loading a BEIR-layout retrieval benchmark and scoring search on it.

Layout: ``corpus.jsonl`` ({"_id", "title", "text"}), ``queries.jsonl`` ({"_id", "text"}) and
``qrels/<split>.tsv`` (header, then ``query-id  corpus-id  score``). Document ids are opaque
strings, not arXiv ids; they are stored as paper ids in a throw-away store.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from paperwire.errors import SourceError
from paperwire.models import Paper
from paperwire.search.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from paperwire.search.query import ParsedQuery, words


@dataclass
class Benchmark:
    docs: list[Paper]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    skipped: int = 0


def _read_jsonl(path: Path) -> tuple[list[dict[str, object]], int]:
    if not path.is_file():
        raise SourceError(
            f"{path}: no such file (expected BEIR layout: corpus.jsonl, "
            "queries.jsonl, qrels/<split>.tsv)"
        )
    rows, bad = [], 0
    with path.open("rb") as stream:
        for line in stream:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if isinstance(row, dict) and "_id" in row:
                rows.append(row)
            else:
                bad += 1
    return rows, bad


def load(path: Path, split: str = "test") -> Benchmark:
    qrels_path = path / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        raise SourceError(f"{qrels_path}: no such file (is {split!r} a split of this benchmark?)")
    qrels: dict[str, dict[str, int]] = {}
    for lineno, line in enumerate(qrels_path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split("\t")
        if lineno == 1 and not parts[-1].strip().lstrip("-").isdigit():
            continue  # header
        if len(parts) != 3:
            raise SourceError(f"{qrels_path}:{lineno}: expected 3 tab-separated columns")
        qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    corpus, bad_docs = _read_jsonl(path / "corpus.jsonl")
    query_rows, bad_queries = _read_jsonl(path / "queries.jsonl")
    docs = [
        Paper(
            id=str(r["_id"]),
            title=str(r.get("title") or ""),
            abstract=str(r.get("text") or ""),
            sources=["beir"],
        )
        for r in corpus
    ]
    queries = {
        str(r["_id"]): str(r.get("text") or "") for r in query_rows if str(r["_id"]) in qrels
    }
    return Benchmark(docs, queries, qrels, bad_docs + bad_queries)


def as_query(text: str) -> ParsedQuery:
    """Benchmark queries are plain text: no filter syntax, every word counts."""
    return ParsedQuery(terms=words(text))


def score(benchmark: Benchmark, run: Callable[[ParsedQuery], list[str]]) -> dict[str, float]:
    """Mean nDCG@10, recall@100 and MRR@10 of ``run`` (query -> ranked doc ids, top 100)."""
    ndcg, recall, mrr = [], [], []
    for qid, text in sorted(benchmark.queries.items()):
        ranking = run(as_query(text))
        relevant = benchmark.qrels[qid]
        ndcg.append(ndcg_at_k(ranking, relevant, 10))
        recall.append(recall_at_k(ranking, relevant, 100))
        mrr.append(mrr_at_k(ranking, relevant, 10))
    return {
        "ndcg@10": statistics.fmean(ndcg) if ndcg else 0.0,
        "recall@100": statistics.fmean(recall) if recall else 0.0,
        "mrr@10": statistics.fmean(mrr) if mrr else 0.0,
        "queries": float(len(ndcg)),
    }
