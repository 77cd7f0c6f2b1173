"""Loading a BEIR-layout retrieval benchmark and scoring search on it.

Layout: ``corpus.jsonl`` ({"_id", "title", "text"}), ``queries.jsonl`` ({"_id", "text"}) and
``qrels/<split>.tsv`` (header, then ``query-id  corpus-id  score``). Document ids are opaque
strings, not arXiv ids; they are stored as paper ids in a throw-away store.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperwire.errors import SourceError
from paperwire.models import Paper, Problem
from paperwire.search.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from paperwire.search.query import ParsedQuery, words


@dataclass
class Benchmark:
    docs: list[Paper]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    problems: list[Problem] = field(default_factory=list)  # lines skipped, and why


@dataclass
class Evaluation:
    scores: dict[str, dict[str, float]]  # mode -> metric -> value
    problems: list[Problem]  # the benchmark's lines that were skipped


def json_objects(path: Path, problems: list[Problem]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(file:line, object)`` for each JSON object line of a benchmark file; a line that is
    not JSON or not an object goes to ``problems`` and is skipped (blank lines are ignored)."""
    with path.open("rb") as stream:
        for lineno, line in enumerate(stream, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                row = json.loads(line)
            except ValueError as exc:
                problems.append(Problem(where, f"not JSON ({exc})"))
                continue
            if not isinstance(row, dict):
                problems.append(Problem(where, "not a JSON object"))
                continue
            yield where, row


def _read_jsonl(path: Path, problems: list[Problem]) -> list[dict[str, object]]:
    if not path.is_file():
        raise SourceError(
            f"{path}: no such file (expected BEIR layout: corpus.jsonl, "
            "queries.jsonl, qrels/<split>.tsv)"
        )
    rows = []
    for where, row in json_objects(path, problems):
        if not isinstance(row.get("_id"), str | int) or str(row["_id"]) == "":
            problems.append(Problem(where, "missing or empty", "_id"))
        else:
            rows.append(row)
    return rows


def _read_qrels(path: Path, problems: list[Problem]) -> dict[str, dict[str, int]]:
    if not path.is_file():
        raise SourceError(f"{path}: no such file (is {path.stem!r} a split of this benchmark?)")
    qrels: dict[str, dict[str, int]] = {}
    text = path.read_text(encoding="utf-8", errors="replace")
    for lineno, line in enumerate(text.splitlines(), 1):
        parts = line.split("\t")
        if lineno == 1 and not parts[-1].strip().lstrip("-").isdigit():
            continue  # header
        if not line.strip():
            continue
        where = f"qrels/{path.name}:{lineno}"
        if len(parts) != 3:
            problems.append(Problem(where, f"expected 3 tab-separated columns, got {len(parts)}"))
            continue
        try:
            relevance = int(parts[2])
        except ValueError:
            problems.append(Problem(where, f"not an integer: {parts[2][:40]!r}", "score"))
            continue
        qrels.setdefault(parts[0], {})[parts[1]] = relevance
    return qrels


def load(path: Path, split: str = "test") -> Benchmark:
    """The benchmark in ``path``; bad lines are skipped and listed in ``problems``."""
    problems: list[Problem] = []
    qrels = _read_qrels(path / "qrels" / f"{split}.tsv", problems)
    corpus = _read_jsonl(path / "corpus.jsonl", problems)
    query_rows = _read_jsonl(path / "queries.jsonl", problems)
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
    return Benchmark(docs, queries, qrels, problems)


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
