"""The personal-recommendation benchmarks (``../shared/data/recsys/README.md``): reading their
JSON lines, and the metrics (macro over test days within a user, then over users).

Each line: ``{"benchmark", "user", "hide": [fields], "profile": [{"id", "day"}],
"tests": [{"day", "relevant": [ids]}]}``. A bad line is reported (file, line, field) and
skipped; the rest is scored."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from paperwire.errors import SourceError
from paperwire.models import Problem

METRICS = ("ndcg@10", "hit@10", "mrr")
# The fields the model reads; a file may hide any of them. Upvotes, submitters and the other
# Hugging Face community fields never reach it (``service.recommend.doc_of``).
VISIBLE = ("title", "abstract", "authors", "categories")


@dataclass(frozen=True)
class Test:
    day: date
    relevant: frozenset[str]


@dataclass(frozen=True)
class User:
    benchmark: str
    name: str
    hide: frozenset[str]
    profile: tuple[tuple[str, date], ...]
    tests: tuple[Test, ...]


@dataclass
class Loaded:
    users: list[User]
    problems: list[Problem] = field(default_factory=list)


def _day(value: object, where: str, name: str) -> date:
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: not a YYYY-MM-DD date: {value[:40]!r}") from None


def _user(row: object) -> User:
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    for key in ("benchmark", "user"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise ValueError(f"{key}: missing or not a string")
    hide = row.get("hide", [])
    if not isinstance(hide, list) or not all(isinstance(h, str) for h in hide):
        raise ValueError("hide: expected a list of field names")
    profile = []
    for k, entry in enumerate(row.get("profile") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ValueError(f"profile[{k}]: expected {{'id', 'day'}}")
        profile.append((entry["id"], _day(entry.get("day"), "", f"profile[{k}].day")))
    tests = []
    for k, entry in enumerate(row.get("tests") or []):
        relevant = entry.get("relevant") if isinstance(entry, dict) else None
        if not isinstance(relevant, list) or not all(isinstance(r, str) for r in relevant):
            raise ValueError(f"tests[{k}].relevant: expected a list of ids")
        tests.append(Test(_day(entry.get("day"), "", f"tests[{k}].day"), frozenset(relevant)))
    if not profile or not tests:
        raise ValueError("profile and tests: both must be non-empty")
    return User(row["benchmark"], row["user"], frozenset(hide), tuple(profile), tuple(tests))


def load(paths: Sequence[Path]) -> Loaded:
    loaded = Loaded([])
    for path in paths:
        try:
            stream = path.open("rb")
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
        with stream:
            for lineno, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                where = f"{path.name}:{lineno}"
                try:
                    loaded.users.append(_user(json.loads(line)))
                except ValueError as exc:  # JSONDecodeError is a ValueError
                    loaded.problems.append(Problem(where, str(exc)))
    return loaded


def score_day(ranking: Sequence[str], relevant: frozenset[str]) -> tuple[float, float, float]:
    """nDCG@10, hit@10 (share of the relevant papers in the top 10) and MRR of one day."""
    gains = [1 / math.log2(k + 2) for k, i in enumerate(ranking[:10]) if i in relevant]
    ideal = sum(1 / math.log2(k + 2) for k in range(min(len(relevant), 10)))
    first = next((k for k, i in enumerate(ranking) if i in relevant), None)
    hits = sum(1 for i in ranking[:10] if i in relevant)
    return (
        sum(gains) / ideal if ideal else 0.0,
        hits / len(relevant) if relevant else 0.0,
        1 / (first + 1) if first is not None else 0.0,
    )


def macro(per_user: dict[str, list[tuple[float, float, float]]]) -> dict[str, float]:
    """Macro averages: over each user's days, then over users."""
    means = [np.mean(days, axis=0) for days in per_user.values() if days]
    if not means:
        return dict.fromkeys(METRICS, 0.0)
    total = np.mean(means, axis=0)
    return {name: round(float(v), 4) for name, v in zip(METRICS, total, strict=True)}


def paired_bootstrap(
    ours: dict[str, float], theirs: dict[str, float], rounds: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean per-user difference and its 95% interval (users resampled with replacement)."""
    users = sorted(ours.keys() & theirs.keys())
    diff = np.array([ours[u] - theirs[u] for u in users])
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), (rounds, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), float(low), float(high)
