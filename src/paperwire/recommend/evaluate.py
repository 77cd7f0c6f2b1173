"""Replaying a benchmark through the "For you" ranking (pure: papers and users in, scores
out). Each user's profile becomes their upvotes; each test day's listing (every paper first
seen that day, their profile removed) is ranked by ``model.rank``, the code the "For you" tab
uses, and scored where the day's relevant papers land."""

from __future__ import annotations

import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from paperwire.models import Problem
from paperwire.recommend import model
from paperwire.recommend.benchmark import VISIBLE, User, macro, score_day

# A recipe fits one user's state and returns the function that ranks a listing with it.
Recipe = Callable[[model.Space, User, np.random.Generator], Callable[[list[str]], list[str]]]


@dataclass
class Result:
    benchmark: str
    users: int
    days: int
    scores: dict[str, float]
    per_user: dict[str, float]  # user -> nDCG@10, for paired comparisons
    seconds_per_user: float  # fitting the user's state and ranking all their days
    seconds_per_day: float  # ranking one day's listing with a fitted state
    problems: list[Problem] = field(default_factory=list)


def for_you(
    space: model.Space, user: User, rng: np.random.Generator
) -> Callable[[list[str]], list[str]]:
    """The product's ranking: profile = upvotes, negatives = random earlier papers."""
    state = model.profile(space, user.profile, background=background(space, user, rng))
    return lambda listing: [r.id for r in model.rank(space, state, listing)]


def background(space: model.Space, user: User, rng: np.random.Generator) -> list[str]:
    """``model.BACKGROUND`` random papers first seen before the user's first test day."""
    first = min(t.day for t in user.tests)
    older = [k for k, item in enumerate(space.docs) if item.day is not None and item.day < first]
    picked = rng.choice(len(older), min(model.BACKGROUND, len(older)), replace=False)
    return [space.docs[older[k]].id for k in picked]


def hidden(docs: Sequence[model.Doc], hide: frozenset[str]) -> list[model.Doc]:
    """The docs with the fields a benchmark hides blanked (the embedding, made of the title
    and abstract, goes with either)."""
    if not hide:
        return list(docs)
    text_hidden = bool({"title", "abstract"} & hide)
    return [
        replace(
            d,
            title="" if "title" in hide else d.title,
            abstract="" if "abstract" in hide else d.abstract,
            authors=() if "authors" in hide else d.authors,
            categories=() if "categories" in hide else d.categories,
            vector=None if text_hidden else d.vector,
        )
        for d in docs
    ]


def evaluate(
    items: Sequence[model.Doc],
    users: Sequence[User],
    *,
    recipe: Recipe = for_you,
    progress: Callable[[int], None] | None = None,
    spaces: dict[frozenset[str], model.Space] | None = None,
) -> list[Result]:
    """One result per benchmark name in ``users`` (in the order first met). ``spaces``: a
    cache of the text spaces by hidden fields, shared by runs over the same docs."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for item in items:
        if item.day is not None:
            by_day[item.day].append(item.id)
    spaces = {} if spaces is None else spaces
    per: dict[str, dict[str, list[tuple[float, float, float]]]] = {}
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])  # fit, rank, days
    problems: dict[str, list[Problem]] = defaultdict(list)
    for user in users:
        seen = frozenset(user.hide) & frozenset(VISIBLE)
        if seen not in spaces:
            spaces[seen] = model.Space(hidden(items, seen))
        space = spaces[seen]
        days = per.setdefault(user.benchmark, {}).setdefault(user.name, [])
        missing = [i for i, _ in user.profile if i not in space.row]
        if missing:
            problems[user.benchmark].append(
                Problem(user.name, f"{len(missing)} profile papers not in the corpus", "profile")
            )
        liked = {i for i, _ in user.profile}
        rng = np.random.default_rng(zlib.crc32(user.name.encode()))
        started = time.perf_counter()
        ranker = recipe(space, user, rng)
        spent[user.benchmark][0] += time.perf_counter() - started
        for test in user.tests:
            listing = [i for i in by_day.get(test.day, []) if i not in liked]
            if not test.relevant & set(listing):
                problems[user.benchmark].append(
                    Problem(user.name, f"{test.day}: no relevant paper in that day's listing")
                )
                continue
            started = time.perf_counter()
            ranking = ranker(listing)
            spent[user.benchmark][1] += time.perf_counter() - started
            spent[user.benchmark][2] += 1
            days.append(score_day(ranking, test.relevant))
        if progress is not None:
            progress(1)
    results = []
    for name, table in per.items():
        scored = {u: d for u, d in table.items() if d}
        fitting, ranking_, count = spent[name]
        results.append(
            Result(
                name,
                len(scored),
                int(count),
                macro(scored),
                {u: float(np.mean([d[0] for d in days])) for u, days in scored.items()},
                (fitting + ranking_) / max(len(scored), 1),
                ranking_ / max(count, 1),
                problems[name],
            )
        )
    return results
