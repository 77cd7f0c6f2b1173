"""Pages served by two (or more) source trees, alternated in one run (issue 14: the paper page).

    python bench/page_ab.py --data-dir STORE --variant old=/work/old/src+h11 --variant new= \\
        [--pages paper home] [--rounds 3] [--duration 10] [--out FILE.md]

Each ``--variant NAME=SRC`` serves the store with ``PYTHONPATH=SRC`` (empty: this checkout, as
installed), one ``paperwire serve`` worker; a ``+h11`` suffix makes uvicorn fall back to its
pure-Python HTTP parser (h11) and asyncio's own loop, as it did before httptools and uvloop
were dependencies (the two modules are hidden from it). Rounds alternate the variants, each a
fresh server: wrk, 4 connections, ``--duration`` seconds after a 3 s warm-up, on the same
cores. Pages: ``paper`` (2,000 random live paper ids of the store) and ``home`` (``/``, as kept
for 2 s). Prints medians of requests/s and the ratio to the first variant.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
from pathlib import Path

from _common import machine, serving_env, write_report
from web_bench import load_average, log, server, wrk

HIDDEN = ("httptools", "uvloop")


def paper_paths(data_dir: Path, n: int = 2000) -> list[str]:
    db = sqlite3.connect(f"file:{data_dir / 'paperwire.db'}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT id FROM papers WHERE NOT deleted ORDER BY random() LIMIT ?", (n,)
        ).fetchall()
    finally:
        db.close()
    return [f"/papers/{paper_id}" for (paper_id,) in rows]


def variant_env(data_dir: Path, spec: str, hide_dir: Path) -> dict[str, str]:
    env = serving_env(PAPERWIRE_DATA_DIR=str(data_dir))
    source, _, flag = spec.partition("+")
    paths = [p for p in (source, str(hide_dir) if flag == "h11" else "") if p]
    if paths:
        env["PYTHONPATH"] = ":".join(paths)
    else:
        env.pop("PYTHONPATH", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a SQLite store")
    parser.add_argument("--variant", action="append", required=True, help="NAME=SRC[+h11]")
    parser.add_argument("--pages", nargs="*", default=["paper", "home"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args()
    variants = [tuple(v.split("=", 1)) for v in args.variant]
    pages = {"paper": paper_paths(args.data_dir), "home": ["/"]}
    work = Path(tempfile.mkdtemp(prefix="page-ab-"))
    for module in HIDDEN:
        (work / f"{module}.py").write_text('raise ImportError("hidden by bench/page_ab.py")\n')
    rates: dict[tuple[str, str], list[float]] = {}
    for round_no in range(args.rounds):
        for name, spec in variants:
            with server(variant_env(args.data_dir, spec, work), 1) as (base, _):
                for page in args.pages:
                    paths = pages[page]
                    options = dict(connections=4, threads=2, accept="text/html", workdir=work)
                    wrk(base, paths, seconds=3, **options)  # type: ignore[arg-type]
                    before = load_average()
                    data = wrk(base, paths, seconds=args.duration, **options)  # type: ignore[arg-type]
                    rate = data["requests"] / (data["duration_us"] / 1e6)
                    rates.setdefault((name, page), []).append(rate)
                    log(f"round {round_no + 1} {name} {page}: {rate:.0f}/s (load {before})")
    first = variants[0][0]
    lines = [
        f"Machine: {machine()}. Store: {args.data_dir}. {args.rounds} rounds of "
        f"{args.duration:.0f} s, variants alternated.",
        "",
        "| page | "
        + " | ".join(f"{n} req/s (rounds)" for n, _ in variants)
        + " | "
        + " | ".join(f"{n} / {first}" for n, _ in variants[1:])
        + " |",
        "|---|" + "---|" * (2 * len(variants) - 1),
    ]
    for page in args.pages:
        medians = {n: statistics.median(rates[(n, page)]) for n, _ in variants}
        cells = [
            f"{medians[n]:.0f} ({', '.join(f'{r:.0f}' for r in rates[(n, page)])})"
            for n, _ in variants
        ]
        ratios = [f"{medians[n] / medians[first]:.2f}x" for n, _ in variants[1:]]
        lines.append(f"| {page} | " + " | ".join(cells + ratios) + " |")
    write_report("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
