"""The "For you" ranking against the peers' recipes, re-run in the same run on the same pools
(issue 12): arxiv-sanity-lite (tf-idf 1-2 grams, 20k terms, min_df 5, max_df 0.1, sublinear,
English stop words, LinearSVC C=0.01 balanced, 5,000 random earlier papers as negatives) and
the tf-idf centroid; paired bootstrap 95% interval of nDCG@10 vs arxiv-sanity-lite per user.

    python bench/recommend_bench.py [--users N] [--docs PICKLE] [--vectors NPZ] [--json OUT]

``--users N`` keeps a random N users per file (exploring); the recorded run uses all.
``--docs PICKLE``: the corpus as ``corpus_docs`` read it back, pickled by an earlier run (written
there when missing), so that repeated runs skip the temporary store (~1-5 min).
``--vectors NPZ``: the embeddings of the papers the users touch, as ``paperwire eval recommend
--vectors`` reads or makes them (the product ranks embedded papers with them too).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, machine
from paperwire.recommend import benchmark, evaluate, model
from paperwire.recommend.benchmark import User, paired_bootstrap
from paperwire.service.recommend import benchmark_vectors, corpus_docs
from paperwire.service.wiring import make_service
from paperwire.settings import load_settings

FILES = [SHARED_DATA / "recsys" / f"{name}-dev.jsonl" for name in ("hf-submitters", "authors")]


class Tfidf:
    """arxiv-sanity-lite's features, fitted once per space (text with authors when visible)."""

    def __init__(self) -> None:
        self.fitted: dict[int, object] = {}

    def __call__(self, space: model.Space) -> object:
        from sklearn.feature_extraction.text import TfidfVectorizer

        key = id(space)
        if key not in self.fitted:
            vectorizer = TfidfVectorizer(
                ngram_range=(1, 2),
                max_features=20000,
                min_df=5,
                max_df=0.1,
                sublinear_tf=True,
                stop_words="english",
                dtype=np.float32,
            )
            texts = [f"{d.title} {d.abstract} {' '.join(d.authors)}" for d in space.docs]
            self.fitted[key] = vectorizer.fit_transform(texts)
        return self.fitted[key]


TFIDF = Tfidf()


def sanity(
    space: model.Space, user: User, rng: np.random.Generator
) -> Callable[[list[str]], list[str]]:
    from scipy.sparse import vstack
    from sklearn.svm import LinearSVC

    x = TFIDF(space)
    pos = space.rows([i for i, _ in user.profile])
    neg = [r for r in space.rows(evaluate.background(space, user, rng)) if r not in set(pos)]
    svm = LinearSVC(C=0.01, class_weight="balanced").fit(
        vstack([x[pos], x[neg]]), np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    )

    def rank(listing: list[str]) -> list[str]:
        rows = space.rows(listing)
        order = np.argsort(-svm.decision_function(x[rows]), kind="stable")
        return [space.docs[rows[k]].id for k in order]

    return rank


def centroid(
    space: model.Space, user: User, rng: np.random.Generator
) -> Callable[[list[str]], list[str]]:
    x = TFIDF(space)
    mean = np.asarray(x[space.rows([i for i, _ in user.profile])].mean(0)).ravel()

    def rank(listing: list[str]) -> list[str]:
        rows = space.rows(listing)
        order = np.argsort(-(x[rows] @ mean), kind="stable")
        return [space.docs[rows[k]].id for k in order]

    return rank


RECIPES = {"for-you": evaluate.for_you, "arxiv-sanity-lite": sanity, "tfidf-centroid": centroid}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--docs", type=Path)
    parser.add_argument(
        "--vectors", type=Path, help="the papers' embeddings (paperwire eval recommend --vectors)"
    )
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    started = time.perf_counter()
    if args.docs is not None and args.docs.is_file():
        with args.docs.open("rb") as stream:
            docs: list[model.Doc] = pickle.load(stream)  # a file this script wrote
        how = f"from {args.docs}"
    else:
        docs = corpus_docs(SHARED_DATA / "corpus" / "papers-200k.jsonl.gz")
        how = "through a temporary store"
        if args.docs is not None:
            with args.docs.open("wb") as stream:
                pickle.dump(docs, stream, protocol=pickle.HIGHEST_PROTOCOL)
    print(
        f"corpus: {len(docs):,} papers {how} in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    users = benchmark.load(FILES).users
    if args.vectors is not None:
        search = make_service(load_settings()).search
        docs = benchmark_vectors(docs, users, args.vectors, search.embedder)
        print(f"embeddings: {sum(d.vector is not None for d in docs):,} papers", flush=True)
    if args.users:
        groups: dict[str, list[User]] = {}
        for user in users:
            groups.setdefault(user.benchmark, []).append(user)
        users = []
        for group in groups.values():
            random.Random(0).shuffle(group)
            users += group[: args.users]
    results = {}
    spaces: dict[frozenset[str], model.Space] = {}  # fitted once, shared by the recipes
    for name, recipe in RECIPES.items():
        t = time.perf_counter()
        found = evaluate.evaluate(docs, users, recipe=recipe, spaces=spaces)
        results[name] = {r.benchmark: r for r in found}
        print(f"{name}: {time.perf_counter() - t:.0f} s", flush=True)
    load = os.getloadavg()
    report: dict[str, object] = {
        "machine": machine(),
        "users_per_file": args.users or "all",
        "load_average": [load_at_start, load],
    }
    print(
        f"\n{machine()} · load average at start {load_at_start[0]:.1f}, at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)\n"
    )
    print(
        "| recipe | benchmark | users | nDCG@10 | hit@10 | MRR | ms/user | vs arxiv-sanity-lite "
        "(nDCG@10, 95% CI) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, per in results.items():
        for bench_name, r in per.items():
            base = results["arxiv-sanity-lite"][bench_name]
            mean, low, high = paired_bootstrap(r.per_user, base.per_user)
            vs = "—" if name == "arxiv-sanity-lite" else f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]"
            print(
                f"| {name} | {bench_name} | {r.users} | {r.scores['ndcg@10']:.3f} | "
                f"{r.scores['hit@10']:.3f} | {r.scores['mrr']:.3f} | "
                f"{r.seconds_per_user * 1000:.0f} | {vs} |"
            )
            report[f"{name}/{bench_name}"] = {
                **r.scores,
                "users": r.users,
                "ms_per_user": r.seconds_per_user * 1000,
                "vs_sanity": [mean, low, high],
            }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
