"""Search quality on SciFact (issue 3): nDCG@10, recall@100 and MRR@10 per mode.

Settings are tuned on the train split only (title boost of the lexical index, candidates per
engine before fusion); the chosen setting is then reported on the test split.

    python bench/eval_bench.py [--data ../shared/data/scifact]
"""

from __future__ import annotations

import argparse
import itertools
import time
from datetime import date
from pathlib import Path

from _common import SHARED_DATA, machine
from paperwire.search import beir, evaluation, lexical
from paperwire.service import make_service
from paperwire.settings import load_settings

TITLE_BOOSTS = (0.25, 0.5, 1.0, 2.0)
CANDIDATES = (50, 100, 200)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "scifact")
    args = parser.parse_args()
    service = make_service(load_settings())
    embedder = service.search.embedder()
    settings = service.settings
    started = time.perf_counter()
    train = beir.load(args.data, "train")
    with evaluation.workspace(
        train,
        embedder=embedder,
        candidates=settings.search_candidates,
        hnsw_threshold=settings.hnsw_threshold,
        embed_batch_size=settings.embed_batch_size,
    ) as scratch:
        embed_s = time.perf_counter() - started
        test = beir.load(args.data, "test")
        grid = []
        for boost, candidates in itertools.product(TITLE_BOOSTS, CANDIDATES):
            lexical.FIELD_BOOSTS["title"] = boost
            scratch.engine.candidates = candidates
            scores = scratch.score(train, "hybrid")
            lex = scratch.score(train, "lexical") if candidates == CANDIDATES[0] else None
            grid.append((scores["ndcg@10"], boost, candidates, lex))
        best = max(grid, key=lambda row: row[0])
        _, boost, candidates, _ = best
        lexical.FIELD_BOOSTS["title"] = boost
        scratch.engine.candidates = candidates
        results = {mode: scratch.score(test, mode) for mode in ("lexical", "semantic", "hybrid")}
        model_name = embedder.name if embedder else "none"

    print(
        f"SciFact · {machine()} · {date.today()} · model {model_name} · "
        f"embedding the corpus took {embed_s:.0f} s\n"
    )
    print("Tuning on train (hybrid nDCG@10):\n")
    print("| title boost | candidates | hybrid nDCG@10 (train) | lexical nDCG@10 (train) |")
    print("|---|---|---|---|")
    for ndcg, b, c, lex in grid:
        lex_text = f"{lex['ndcg@10']:.4f}" if lex else ""
        print(f"| {b} | {c} | {ndcg:.4f} | {lex_text} |")
    print(f"\nChosen: title boost {boost}, {candidates} candidates.\n")
    print(f"Test split ({int(results['hybrid']['queries'])} queries):\n")
    print("| mode | nDCG@10 | recall@100 | MRR@10 |\n|---|---|---|---|")
    for mode, s in results.items():
        print(f"| {mode} | {s['ndcg@10']:.4f} | {s['recall@100']:.4f} | {s['mrr@10']:.4f} |")


if __name__ == "__main__":
    main()
