"""Known-item search quality on the current store: each query was made from one paper (its
title, a fragment of it, its keywords...) and should find that paper.

The file is JSON lines ``{"query": "...", "id": "<paper id>"}``. Queries are run exactly as a
user's (the query language applies). Each mode is scored with R@1, R@10 and MRR@10; bad lines
and ids the store does not hold are skipped and listed, not counted as misses.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from paperwire.errors import PaperwireError, SourceError
from paperwire.models import Problem
from paperwire.search.beir import json_objects

DEPTH = 10  # the deepest rank a metric looks at


@dataclass(frozen=True, slots=True)
class KnownItem:
    query: str
    id: str
    where: str  # "file.jsonl:12", for messages


@dataclass
class KnownItemReport:
    scores: dict[str, dict[str, float]]  # mode -> {"R@1", "R@10", "MRR@10"}
    queries: int
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the run as a whole

    def as_json(self) -> dict[str, object]:
        return {
            **self.scores,
            "queries": self.queries,
            "problems": [str(p) for p in self.problems],
            "notes": self.notes,
        }


def load(path: Path) -> tuple[list[KnownItem], list[Problem]]:
    """The file's items, and the lines skipped (with where and why)."""
    if not path.is_file():
        raise SourceError(f'{path}: no such file (expected JSON lines {{"query": ..., "id": ...}})')
    items: list[KnownItem] = []
    problems: list[Problem] = []
    for where, row in json_objects(path, problems):
        query, paper_id = row.get("query"), row.get("id")
        if not isinstance(query, str) or not query.strip():
            problems.append(Problem(where, "missing, empty or not a string", "query"))
        elif not isinstance(paper_id, str) or not paper_id.strip():
            problems.append(Problem(where, "missing, empty or not a string", "id"))
        else:
            items.append(KnownItem(query, paper_id.strip(), where))
    return items, problems


def score(
    items: Iterable[KnownItem],
    modes: Iterable[str],
    run: Callable[[str, str], list[str]],
    known: Callable[[list[str]], set[str]],
    problems: list[Problem],
) -> KnownItemReport:
    """``run(query, mode)``: the top paper ids; ``known(ids)``: which of them the store holds.
    A query the engine refuses (``InvalidQueryError``: say, only punctuation) counts as a miss,
    as it would for the user, and is listed."""
    items = list(items)
    present = known([i.id for i in items])
    kept = []
    for item in items:
        if item.id in present:
            kept.append(item)
        else:
            problems.append(Problem(item.where, f"paper {item.id} is not in the store", "id"))
    scores: dict[str, dict[str, float]] = {}
    refused: dict[str, str] = {}  # where -> why (once per line, whatever the modes)
    for mode in modes:
        at1, at10, mrr = [], [], []
        for item in kept:
            try:
                ranking = run(item.query, mode)[:DEPTH]
            except PaperwireError as exc:
                refused.setdefault(item.where, f"query refused, counted as a miss: {exc}")
                ranking = []
            rank = ranking.index(item.id) + 1 if item.id in ranking else 0
            at1.append(1.0 if rank == 1 else 0.0)
            at10.append(1.0 if rank else 0.0)
            mrr.append(1.0 / rank if rank else 0.0)
        scores[mode] = {
            "R@1": statistics.fmean(at1) if at1 else 0.0,
            "R@10": statistics.fmean(at10) if at10 else 0.0,
            "MRR@10": statistics.fmean(mrr) if mrr else 0.0,
        }
    problems.extend(Problem(where, why, "query") for where, why in refused.items())
    return KnownItemReport(scores, len(kept), problems)
