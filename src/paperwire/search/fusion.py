"""How a lexical and a semantic ranking become one (pure): the one fusion that hybrid search,
the API, the digests' topic matching, MCP and ``eval beir`` all use.

Two families were measured (docs/design.md, "Fusion", and docs/benchmarks.md, "Search
quality (issue 16)"):

- ``convex``: each list's scores min-max normalised to [0, 1] over its candidates, then
  ``weight * lexical + (1 - weight) * semantic`` (a paper missing from a list gets 0 there);
- ``rrf``: weighted reciprocal rank fusion, ``weight / (k + lexical rank) + (1 - weight) /
  (k + semantic rank)``.

Rank fusion throws the scores away, so a perfect title match and a vague neighbour at the same
rank count alike; normalised scores keep that difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperwire.search.types import Hit

KINDS = ("convex", "rrf")


@dataclass(frozen=True, slots=True)
class Fusion:
    kind: str = "convex"
    weight: float = 0.5  # the lexical list's share
    k: int = 60  # rrf only

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fusion {self.kind!r}; use one of {', '.join(KINDS)}")
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"fusion weight {self.weight} is not between 0 and 1")

    def fuse(self, lexical: list[Hit], semantic: list[Hit]) -> list[Hit]:
        """One ranking, best first (ties by id, so equal inputs give equal outputs)."""
        if self.kind == "rrf":
            parts = [_reciprocal(lexical, self.k), _reciprocal(semantic, self.k)]
        else:
            parts = [_normalised(lexical), _normalised(semantic)]
        scores: dict[str, float] = {}
        for share, part in zip((self.weight, 1.0 - self.weight), parts, strict=True):
            for paper_id, value in part.items():
                scores[paper_id] = scores.get(paper_id, 0.0) + share * value
        return [Hit(i, s) for i, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


def _reciprocal(ranking: list[Hit], k: int) -> dict[str, float]:
    return {hit.id: 1.0 / (k + rank) for rank, hit in enumerate(ranking, 1)}


def _normalised(ranking: list[Hit]) -> dict[str, float]:
    """Scores mapped to [0, 1] over the list (all equal: all 1)."""
    if not ranking:
        return {}
    top = max(h.score for h in ranking)
    low = min(h.score for h in ranking)
    span = top - low
    return {h.id: (h.score - low) / span if span > 0 else 1.0 for h in ranking}


# Chosen by the grid in docs/design.md ("Fusion"): SciFact train 0.728 (0.731 at 0.5, within
# noise), and on our known-item sets 3-5-word title fragments R@1 0.912 against 0.836 at 0.5.
DEFAULT = Fusion("convex", 0.6)
