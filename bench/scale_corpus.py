"""Build an arXiv-sized corpus (1M, 3M papers) from the real 200k, deterministically.

    python bench/scale_corpus.py --papers 3000000 --out /tmp/papers-3m.jsonl.gz [--seed 7]

The output is the real corpus plus synthetic papers, in the corpus's own format and order
(sorted by ``first_seen``, then id), so ``paperwire import`` reads it like the real file.
Generated files never go into the repository: write them under /tmp.

How a synthetic paper is made, so that text statistics stay those of real papers:
- **title**: the first half (by words) of one real title joined to the second half of another
  real title of the same primary category;
- **abstract**: as many sentences as the first paper's abstract has, the first of them its own
  first sentence, the rest drawn from real abstracts of the same primary category;
- **authors**: the whole author list of a third real paper of that category (co-author
  structure stays real);
- **categories**: the first paper's categories (the 2012 part has none; those stay empty);
- **date** (``first_seen`` = ``published``): a weekday drawn so that papers per year follow
  arXiv's growth (``ARXIV_PER_YEAR`` below, rounded from arXiv's public submission statistics),
  scaled to the requested size;
- **id**: new-style ``YYMM.NNNNN`` for the date's month, numbered from 60001 up, above every real
  id of the month (real months stay under 35,000), so ids never collide with real ones. Before
  2007 arXiv used old-style ids; the shape of an id changes no cost this corpus measures.

``--vectors REAL.npy`` with ``--vector-ids IDS.txt`` also writes a surrogate embedding for every
paper (``--vectors-out``, float32 ``.npy`` in output order): a real paper keeps its vector, a
synthetic one gets its first source paper's vector plus Gaussian noise (``--noise``, default
0.05 per dimension) renormalised. Numbers that use these vectors say so.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import hashlib
import heapq
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
# Papers arXiv received per year (rounded, arXiv submission statistics); years between two
# entries are interpolated. 2026 is the half year the real corpus reaches.
ARXIV_PER_YEAR = {
    1992: 3_000,
    1995: 20_000,
    2000: 30_000,
    2005: 45_000,
    2010: 70_000,
    2015: 105_000,
    2018: 140_000,
    2020: 178_000,
    2022: 185_000,
    2024: 280_000,
    2025: 300_000,
    2026: 160_000,
}
FIRST_SYNTHETIC_NUMBER = 60_001
LAST_DAY = date(2026, 6, 30)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Base:
    """The parts of the real corpus synthetic papers are made of, grouped by primary category."""

    papers: list[dict[str, Any]]
    by_category: dict[str, list[int]]
    sentences: dict[str, list[str]]


def load_base(path: Path, limit: int | None) -> Base:
    papers: list[dict[str, Any]] = []
    by_category: dict[str, list[int]] = defaultdict(list)
    sentences: dict[str, list[str]] = defaultdict(list)
    with gzip.open(path, "rb") as handle:
        for line in handle:
            if limit is not None and len(papers) >= limit:
                break
            paper = orjson.loads(line)
            category = (paper.get("categories") or ["-"])[0]
            by_category[category].append(len(papers))
            sentences[category].extend(_SENTENCE_END.split(" ".join(paper["abstract"].split())))
            papers.append(paper)
    return Base(papers, dict(by_category), dict(sentences))


def yearly_counts(total: int) -> dict[int, int]:
    """Synthetic papers per year: arXiv's growth curve scaled to ``total``."""
    years = sorted(ARXIV_PER_YEAR)
    weights: dict[int, float] = {}
    for year in range(years[0], years[-1] + 1):
        right = bisect.bisect_left(years, year)
        if years[right] == year:
            weights[year] = ARXIV_PER_YEAR[year]
            continue
        low, high = years[right - 1], years[right]
        share = (year - low) / (high - low)
        weights[year] = ARXIV_PER_YEAR[low] + share * (ARXIV_PER_YEAR[high] - ARXIV_PER_YEAR[low])
    scale = total / sum(weights.values())
    counts = {year: int(weight * scale) for year, weight in weights.items()}
    counts[years[-1]] += total - sum(counts.values())
    return counts


def synthetic_dates(total: int, rng: random.Random) -> list[date]:
    """``total`` weekdays, sorted, spread over each year as arXiv's listings are."""
    days: list[date] = []
    for year, count in yearly_counts(total).items():
        first = date(year, 1, 1)
        last = min(date(year, 12, 31), LAST_DAY)
        weekdays = [
            first + timedelta(days=offset)
            for offset in range((last - first).days + 1)
            if (first + timedelta(days=offset)).weekday() < 5
        ]
        days.extend(rng.choice(weekdays) for _ in range(count))
    days.sort()
    return days


def _half_title(title: str, first: bool) -> str:
    words = title.split()
    middle = max(1, len(words) // 2)
    return " ".join(words[:middle] if first else words[middle:])


def synthetic_papers(base: Base, total: int, seed: int) -> Iterator[tuple[dict[str, Any], int]]:
    """(paper, index of its first source paper) for ``total`` synthetic papers, in date order."""
    rng = random.Random(seed)
    numbers: dict[str, int] = defaultdict(lambda: FIRST_SYNTHETIC_NUMBER)
    for day in synthetic_dates(total, rng):
        source_index = rng.randrange(len(base.papers))
        source = base.papers[source_index]
        category = (source.get("categories") or ["-"])[0]
        siblings = base.by_category[category]
        other = base.papers[rng.choice(siblings)]
        pool = base.sentences[category]
        own = _SENTENCE_END.split(" ".join(source["abstract"].split()))
        abstract = " ".join([own[0], *(rng.choice(pool) for _ in range(len(own) - 1))])
        month = f"{day:%y%m}"
        number = numbers[month]
        if number > 99_999:
            raise SystemExit(f"more than {99_999 - FIRST_SYNTHETIC_NUMBER} papers in {month}")
        numbers[month] = number + 1
        title = f"{_half_title(source['title'], True)} {_half_title(other['title'], False)}"
        paper = {
            "id": f"{month}.{number:05d}",
            "title": title.strip() or source["title"],
            "abstract": abstract,
            "authors": base.papers[rng.choice(siblings)]["authors"],
            "categories": source.get("categories") or [],
            "subjects": None,
            "comment": None,
            "published": day.isoformat(),
            "first_seen": day.isoformat(),
            "hf_upvotes": None,
            "sources": [f"synthetic:scale_corpus seed={seed}"],
        }
        yield paper, source_index


def _order(paper: dict[str, Any]) -> tuple[str, str]:
    return paper["first_seen"] or "", paper["id"]


def merged(base: Base, total: int, seed: int) -> Iterator[tuple[dict[str, Any], int]]:
    """The real papers and ``total - len(real)`` synthetic ones, sorted like the corpus; each
    with the index of the real paper whose vector stands for it."""
    real = ((paper, index) for index, paper in enumerate(base.papers))
    fake = synthetic_papers(base, max(0, total - len(base.papers)), seed)
    yield from heapq.merge(real, fake, key=lambda pair: _order(pair[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, required=True, help="papers in the output")
    parser.add_argument("--out", type=Path, required=True, help="output .jsonl.gz")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--base-limit", type=int, help="use only the first N real papers")
    parser.add_argument("--vectors", type=Path, help="real vectors (.npy, one row per id)")
    parser.add_argument("--vector-ids", type=Path, help="ids of --vectors rows, one a line")
    parser.add_argument("--vectors-out", type=Path, help="surrogate vectors (.npy)")
    parser.add_argument("--noise", type=float, default=0.05)
    args = parser.parse_args()

    base = load_base(args.corpus, args.base_limit)
    vectors = None
    if args.vectors is not None:
        import numpy as np

        real_vectors = np.load(args.vectors)
        ids = args.vector_ids.read_text().split()
        row_of = {paper_id: row for row, paper_id in enumerate(ids)}
        vector_rng = np.random.default_rng(args.seed)
        vectors = np.lib.format.open_memmap(
            args.vectors_out,
            mode="w+",
            dtype=np.float32,
            shape=(args.papers, real_vectors.shape[1]),
        )
    digest = hashlib.sha256()
    written = 0
    # No name and mtime=0 in the gzip header: the same arguments give the same bytes.
    with (
        open(args.out, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=1, mtime=0) as out,
    ):
        for paper, source_index in merged(base, args.papers, args.seed):
            line = orjson.dumps(paper) + b"\n"
            digest.update(line)
            out.write(line)
            if vectors is not None:
                vector = real_vectors[row_of[base.papers[source_index]["id"]]]
                if paper["sources"][0].startswith("synthetic:"):
                    vector = vector + vector_rng.normal(0, args.noise, vector.shape)
                    vector = vector / np.linalg.norm(vector)
                vectors[written] = vector
            written += 1
    real = len(base.papers)
    print(f"{written:,} papers ({real:,} real) -> {args.out}; sha256 {digest.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
