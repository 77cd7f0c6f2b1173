"""`paperwire show ID` wall time for the whole process (startup included) on a store.

    python bench/show_bench.py --data-dir DIR [--runs 30] [--id 2307.13854]
Builds a 200k store in a temporary folder when --data-dir is not given.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import PAPERWIRE, SHARED_DATA, machine, median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--id", default="2608.20336")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir), "PAPERWIRE_DATABASE_URL": ""}
        if args.data_dir is None:
            corpus = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
            subprocess.run(
                [PAPERWIRE, "import", str(corpus)], env=env, check=True, stdout=subprocess.DEVNULL
            )

        def timed(cmd: list[str]) -> float:
            start = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - start

        baseline = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
        show = [timed([PAPERWIRE, "show", args.id]) for _ in range(args.runs)]
        show_json = [timed([PAPERWIRE, "show", "--json", args.id]) for _ in range(args.runs)]
    print(f"show benchmark · {machine()} · {date.today()} · medians of {args.runs} runs\n")
    print("| command | median | p90 |\n|---|---|---|")
    for label, values in (
        ("python -c pass (baseline)", baseline),
        ("paperwire show", show),
        ("paperwire show --json", show_json),
    ):
        values.sort()
        p90 = values[int(len(values) * 0.9)]
        print(f"| {label} | {median(values) * 1000:.0f} ms | {p90 * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
