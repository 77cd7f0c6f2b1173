"""Helpers shared by the benchmark scripts: locating data, timing subprocesses, reporting."""

from __future__ import annotations

import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PAPERWIRE_SHARED_DATA", REPO.parent / "shared" / "data"))
PAPERWIRE = str(Path(sys.executable).parent / "paperwire")
PG_URL = os.environ.get(
    "PAPERWIRE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def machine() -> str:
    return f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"


def serving_env(**settings: str) -> dict[str, str]:
    """This environment without any PAPERWIRE_ setting, for a store that only serves: no
    scheduled sync (it would try the network), no background embedding; plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_")}
    env.update(
        PAPERWIRE_SYNC_ARXIV_AT="",
        PAPERWIRE_SYNC_HF_HOURS="0",
        PAPERWIRE_EMBED_IN_BACKGROUND="0",
        **settings,
    )
    return env


def write_report(text: str, out: Path | None) -> None:
    """Print a bench's report, and write it to ``out`` too when given (its folder made)."""
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


def run_timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a command; return (wall seconds, peak RSS in MB of that child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all waited children: only trust a rise.
    return elapsed, max(peak, before) // 1024


def run_peak_rss(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and this command's own peak RSS (MB), via /usr/bin/time when available."""
    if Path("/usr/bin/time").exists():
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *args],
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - start
        return elapsed, int(proc.stderr.strip().splitlines()[-1]) // 1024
    return run_timed(args, env)


def median(values: list[float]) -> float:
    return statistics.median(values)


def varied_queries(titles: list[str], authors: list[str], n: int, rng: random.Random) -> list[str]:
    """Queries drawn from a store's own papers, in turn: 2 title words, a quoted phrase, a word
    with a category filter, an author, 3 title words in any order."""
    queries: list[str] = []
    while len(queries) < n:
        words = [w.strip(".,:;()?!\"'") for w in rng.choice(titles).split()]
        words = [w for w in words if len(w) > 3 and w.isascii() and w.isalpha()]
        if len(words) < 3:
            continue
        kind = len(queries) % 5
        if kind == 0:
            queries.append(" ".join(words[:2]).lower())
        elif kind == 1:
            queries.append(f'"{words[0]} {words[1]}"')
        elif kind == 2:
            queries.append(f"{words[0].lower()} cat:cs.CV")
        elif kind == 3:
            queries.append(f'author:"{rng.choice(authors)}"')
        else:
            queries.append(" ".join(rng.sample(words, 3)).lower())
    return queries


def stored_vectors(service: Any) -> tuple[list[str], Any]:
    """Every live embedding of the search's model as the store holds it: (paper ids, float16
    rows). The truth for recall: the vector index itself may hold them quantised (int8)."""
    import numpy as np

    store, model = service.store, service.search.engine.index.vectors.model
    latest: dict[str, bytes] = {}
    seq = 0
    while rows := store.embeddings.embeddings_since(model, seq, 50_000):
        latest.update((paper_id, vector) for paper_id, vector, _ in rows)
        seq = rows[-1][2]
    ids = [paper_id for paper_id, vector in latest.items() if vector]
    matrix = np.frombuffer(b"".join(latest[i] for i in ids), dtype=np.float16)
    return ids, matrix.reshape(len(ids), -1)
