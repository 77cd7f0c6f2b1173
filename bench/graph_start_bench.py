"""How soon a node serves when its vector graph has to be built (issue 14): an upgrade from a
cache without a graph, a lost index folder, or papers that just passed the graph threshold.

    python bench/graph_start_bench.py [--papers 200000] [--corpus FILE] [--work /work/scale] \\
        --variant old=/work/old/src --variant new= [--workers 1] [--rounds 1] [--out FILE.md]

The store (built once, kept in ``--work``): the first ``--papers`` papers of the real corpus
(or of ``--corpus``, a file of `scale_corpus.py` for more than the real 200k),
its keyword index current, 2,000 papers really embedded and the rest given surrogate vectors
(`surrogate_vectors.py`: a real vector plus noise; this measures time, not recall). Each round
and variant (``NAME=SRC``: ``PYTHONPATH=SRC``, empty for this checkout) deletes the vector
cache and starts `paperwire serve` (``--workers``), then records the seconds until ``/healthz``
answers, until a search answers, and until a search answers by meaning (the graph is built),
a hybrid search a second meanwhile; and the median latency of the searches before (keyword
matches) and after.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from _common import PAPERWIRE, machine, serving_env, write_report
from web_bench import CORPUS, free_port, get, log

BENCH = Path(__file__).resolve().parent

QUERIES = [
    "graph neural networks for molecules",
    "dark matter halo",
    "reinforcement learning from human feedback",
    "quantum error correction codes",
    "image segmentation with transformers",
]


def build_store(data_dir: Path, papers: int, source: Path) -> None:
    if (data_dir / "ready").exists():
        return
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = serving_env(PAPERWIRE_DATA_DIR=str(data_dir))
    corpus = data_dir / "papers.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as lines, corpus.open("w") as out:
        for number, line in enumerate(lines):
            if number >= papers:
                break
            out.write(line)
    log(f"importing {papers:,} papers")
    subprocess.run([PAPERWIRE, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([PAPERWIRE, "import", "--no-index", str(corpus)], env=env, check=True)
    log("embedding 2,000 (and the keyword index)")
    subprocess.run([PAPERWIRE, "embed", "--limit", "2000"], env=env, check=True)
    script = str(BENCH / "surrogate_vectors.py")
    subprocess.run([sys.executable, script, "--data-dir", str(data_dir)], env=env, check=True)
    corpus.unlink()
    (data_dir / "ready").touch()


def search(base: str, query: str) -> tuple[float, bool]:
    """Seconds a hybrid search took, and whether it answered by meaning (not the keyword
    fallback a node gives while its vector graph is being built)."""
    start = time.perf_counter()
    status, body = get(f"{base}/search?q={quote(query)}&mode=hybrid", timeout=3600)
    if status != 200:
        raise SystemExit(f"search answered {status}")
    return time.perf_counter() - start, b"being prepared" not in body


def one_start(data_dir: Path, source: str, workers: int) -> dict[str, float]:
    index = data_dir / "index"
    for cache in index.glob("vectors-*"):
        cache.unlink()
    env = serving_env(PAPERWIRE_DATA_DIR=str(data_dir))
    if source:
        env["PYTHONPATH"] = source
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PAPERWIRE, "serve", "--port", str(port), "--workers", str(workers)],
        env={**env, "PAPERWIRE_BASE_URL": base},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: dict[str, float] = {}
    during: list[float] = []
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"paperwire serve exited ({proc.returncode})")
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        out["healthz s"] = time.perf_counter() - start
        turn = 0
        while True:
            seconds, by_meaning = search(base, QUERIES[turn % len(QUERIES)])
            turn += 1
            out.setdefault("first search answered s", time.perf_counter() - start)
            if by_meaning:
                break
            during.append(seconds)
            time.sleep(1)
        out["first answer by meaning s"] = time.perf_counter() - start
        after = [search(base, QUERIES[i % len(QUERIES)])[0] for i in range(20)]
        out["searches while building"] = len(during)
        out["search ms while building (median)"] = (
            statistics.median(during) * 1000 if during else float("nan")
        )
        out["search ms after (median)"] = statistics.median(after) * 1000
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=Path("/work/scale"))
    parser.add_argument("--variant", action="append", required=True, help="NAME=SRC")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a .jsonl.gz corpus")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args()
    data_dir = args.work / f"graph-start-{args.papers}"
    build_store(data_dir, args.papers, args.corpus)
    variants = [tuple(v.split("=", 1)) for v in args.variant]
    results: dict[str, list[dict[str, float]]] = {}
    for round_no in range(args.rounds):
        for name, source in variants:
            result = one_start(data_dir, source, args.workers)
            log(f"round {round_no + 1} {name}: {result}")
            results.setdefault(name, []).append(result)
    keys = list(next(iter(results.values()))[0])
    lines = [
        f"Machine: {machine()}. Store: {args.papers:,} papers (2,000 really embedded, the rest "
        f"surrogate vectors), no vector cache at start; `serve --workers {args.workers}`; "
        f"{args.rounds} round(s), variants alternated; medians over rounds.",
        "",
        "| variant | " + " | ".join(keys) + " |",
        "|---|" + "---:|" * len(keys),
    ]
    for name, runs in results.items():
        cells = [f"{statistics.median(r[k] for r in runs):.1f}" for k in keys]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    write_report("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
