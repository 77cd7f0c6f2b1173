"""The fusion grid (issue 16): convex combinations of normalised scores against weighted RRF,
on SciFact *train* and on our own known-item sets; then the chosen fusion on SciFact test.

    python bench/fusion_grid.py scifact [--data ../shared/data/scifact]
    python bench/fusion_grid.py known-item --data-dir DIR   (a store from known_item_bench.py)

Fusion is pure, so each query's lexical and semantic candidate lists are computed once and
every fusion of the grid is scored on the same lists (the title pin included, as the engine
applies it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from _common import SHARED_DATA, machine
from paperwire.search import beir, evaluation, known_item
from paperwire.search.engine import SearchEngine
from paperwire.search.fusion import DEFAULT, Fusion
from paperwire.search.metrics import ndcg_at_k
from paperwire.search.query import ParsedQuery, parse_query
from paperwire.search.types import Hit
from paperwire.service import make_service
from paperwire.settings import load_settings

GRID = [Fusion("convex", w / 10) for w in range(2, 9)] + [
    Fusion("rrf", w, k) for k in (1, 5, 10, 20, 60) for w in (0.5, 0.6, 0.7)
]
Lists = tuple[list[Hit], list[Hit], bool]  # lexical, semantic, title pin applies


def candidate_lists(engine: SearchEngine, query: ParsedQuery) -> Lists:
    lexical = engine.index.lexical.search(query, engine.candidates).hits
    semantic = engine.semantic_hits(query, engine.candidates)
    return lexical, semantic, bool(lexical) and engine.is_title(query, lexical[0])


def ranking(fusion: Fusion, lists: Lists, pin: bool = True) -> list[str]:
    lexical, semantic, title = lists
    if not (lexical and semantic):
        return [h.id for h in lexical or semantic]
    fused = [h.id for h in fusion.fuse(lexical, semantic)]
    if pin and title:
        fused = [lexical[0].id] + [i for i in fused if i != lexical[0].id]
    return fused


def label(fusion: Fusion) -> str:
    if fusion.kind == "convex":
        return f"convex w={fusion.weight:.1f}"
    return f"rrf k={fusion.k} w={fusion.weight:.1f}"


def scifact(data: Path) -> None:
    service = make_service(load_settings())
    embedder = service.search.embedder()
    settings = service.settings
    train, test = beir.load(data, "train"), beir.load(data, "test")
    started = time.perf_counter()
    with evaluation.workspace(
        train,
        embedder=embedder,
        candidates=settings.search_candidates,
        hnsw_threshold=settings.hnsw_threshold,
        embed_batch_size=settings.embed_batch_size,
    ) as scratch:
        engine = scratch.engine
        embed_s = time.perf_counter() - started

        def lists(bench: beir.Benchmark) -> dict[str, Lists]:
            return {
                qid: candidate_lists(engine, beir.as_query(text))
                for qid, text in sorted(bench.queries.items())
            }

        train_lists, test_lists = lists(train), lists(test)

    def ndcg(
        bench: beir.Benchmark, per_query: dict[str, Lists], rank: Callable[[Lists], list[str]]
    ) -> float:
        return statistics.fmean(
            ndcg_at_k(rank(per_query[q]), bench.qrels[q], 10) for q in sorted(per_query)
        )

    print(f"SciFact · {machine()} · {date.today()} · embedding took {embed_s:.0f} s\n")
    print("| fusion | train nDCG@10 | test nDCG@10 |\n|---|---|---|")
    for mode, pick in (("lexical only", 0), ("semantic only", 1)):

        def one(lst: Lists, i: int = pick) -> list[str]:
            return [h.id for h in lst[i]]

        print(
            f"| {mode} | {ndcg(train, train_lists, one):.4f} | {ndcg(test, test_lists, one):.4f} |"
        )
    for fusion in GRID:

        def fused(lst: Lists, f: Fusion = fusion) -> list[str]:
            return ranking(f, lst)

        marker = " (shipped)" if fusion == DEFAULT else ""
        print(
            f"| {label(fusion)}{marker} | {ndcg(train, train_lists, fused):.4f} "
            f"| {ndcg(test, test_lists, fused):.4f} |",
            flush=True,
        )


def known_items(data_dir: Path) -> None:
    os.environ["PAPERWIRE_DATA_DIR"] = str(data_dir)
    service = make_service(load_settings())
    service.search.index()
    engine = service.search.engine
    kinds = known_item_kinds(data_dir)
    per_kind: dict[str, list[tuple[str, Lists]]] = {}
    for kind, path in kinds.items():
        items, _ = known_item.load(path)
        per_kind[kind] = [(i.id, candidate_lists(engine, parse_query(i.query))) for i in items]
    print(f"known-item · {machine()} · {date.today()} · {data_dir}\n")
    head = " | ".join(f"{k} R@1 / R@10" for k in per_kind)
    print(f"| fusion | {head} |\n|---|{'---|' * len(per_kind)}")
    rows: list[tuple[str, Callable[[Lists], list[str]]]] = [
        ("lexical only", lambda lst: [h.id for h in lst[0]]),
        ("semantic only", lambda lst: [h.id for h in lst[1]]),
        ("rrf k=60 (before), no pin", lambda lst: ranking(Fusion("rrf", 0.5, 60), lst, False)),
        (f"{label(DEFAULT)}, no pin", lambda lst: ranking(DEFAULT, lst, False)),
    ]
    rows += [(label(f), lambda lst, f=f: ranking(f, lst)) for f in GRID]
    for name, rank in rows:
        cells = []
        for items in per_kind.values():
            ranks = [rank(lst)[:10] for _, lst in items]
            at1 = statistics.fmean(r[:1] == [pid] for (pid, _), r in zip(items, ranks, strict=True))
            at10 = statistics.fmean(pid in r for (pid, _), r in zip(items, ranks, strict=True))
            cells.append(f"{at1:.3f} / {at10:.3f}")
        print(f"| {name} | {' | '.join(cells)} |", flush=True)


def known_item_kinds(data_dir: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((data_dir / "sets").glob("*.jsonl"))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=("scifact", "known-item"))
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "scifact")
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    if args.part == "scifact":
        scifact(args.data)
    else:
        known_items(args.data_dir)


if __name__ == "__main__":
    main()
