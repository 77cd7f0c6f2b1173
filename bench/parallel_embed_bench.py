"""`paperwire embed` in 1 and in 2 processes at once on the same store: abstracts/s.

    python bench/parallel_embed_bench.py [--docs 2000] [--rounds 2]

Each round builds a fresh SQLite store with the first ``--docs`` SciFact abstracts, then times
embedding them all with one process, and (on another fresh store) with two processes started
together; rounds interleave the two so background load hurts both alike. Prints the medians
and their ratio, and checks that every paper was embedded exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PAPERWIRE, SHARED_DATA, machine, median


def _store(root: Path, docs: int) -> dict[str, str]:
    source = root / "papers.jsonl"
    with (SHARED_DATA / "scifact" / "corpus.jsonl").open() as handle, source.open("w") as out:
        for number, line in enumerate(handle):
            if number >= docs:
                break
            doc = json.loads(line)
            paper = {"id": f"2401.{number + 1:05d}", "title": doc["title"], "abstract": doc["text"]}
            out.write(json.dumps({**paper, "authors": [], "first_seen": "2024-01-02"}) + "\n")
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(root / "data")}
    for args in (["init"], ["import", str(source)]):
        subprocess.run([PAPERWIRE, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def _embed(env: dict[str, str], processes: int) -> tuple[float, int]:
    start = time.perf_counter()
    running = [
        subprocess.Popen([PAPERWIRE, "embed"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    outputs = [proc.communicate()[0] for proc in running]
    elapsed = time.perf_counter() - start
    embedded = sum(int(out.split()[1].replace(",", "")) for out in outputs)
    return elapsed, embedded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for processes in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                env = _store(Path(tmp), args.docs)
                elapsed, embedded = _embed(env, processes)
                assert embedded == args.docs, f"{embedded} embedded of {args.docs}"
                rates[processes].append(args.docs / elapsed)
                print(f"{processes} process(es): {args.docs / elapsed:.1f} abstracts/s", flush=True)
    one, two = median(rates[1]), median(rates[2])
    print(f"\n{machine()}; {args.docs} SciFact abstracts, {args.rounds} rounds, medians")
    print("| processes | abstracts/s | ratio |\n|---|---|---|")
    print(f"| 1 | {one:.1f} | 1.00 |\n| 2 | {two:.1f} | {two / one:.2f} |")


if __name__ == "__main__":
    main()
