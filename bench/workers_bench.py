"""Throughput with 1, 2 and 4 worker processes on PostgreSQL, in one run (issue 14).

    python bench/workers_bench.py [--papers 5000] [--duration 8] [--warmup 2]
                                  [--connections 8] [--workers 1,2,4] [--out FILE]

A fresh database on 127.0.0.1:5432 (dropped at the end) gets the first --papers real papers
of the 200k corpus (`paperwire import`); then `paperwire serve --workers N` for each N in
turn, on the same store and index folder, loaded from loopback by wrk (web_bench's rotating
script) on four endpoints: the home page, paper pages (every imported id in turn), lexical
search through the API, and `/api/daily_papers`. No background embedding, no sync.

wrk and the server share the machine: on a 2-core machine, more workers than cores cannot
add throughput, and wrk's own thread takes CPU from them.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from _common import PAPERWIRE, machine, serving_env, varied_queries, write_report
from web_bench import CORPUS, git_describe, load_average, log, measure, pg_database, server


def sample(papers: int, folder: Path) -> tuple[Path, list[str], list[str]]:
    """The first ``papers`` records of the corpus as a file, their ids, and 200 queries."""
    path = folder / "papers.jsonl"
    ids: list[str] = []
    titles: list[str] = []
    authors: list[str] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines, path.open("w") as out:
        for line in itertools.islice(lines, papers):
            out.write(line)
            record = json.loads(line)
            ids.append(record["id"])
            titles.append(" ".join(record.get("title", "").split()))
            authors.extend(record.get("authors", [])[:1])
    rng = random.Random(14)
    rng.shuffle(ids)
    return path, ids, varied_queries(titles, authors, 200, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per row")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each row")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    counts = [int(x) for x in args.workers.split(",")]
    clean = serving_env()
    rows: list[tuple[int, str, float, float, float, int, str]] = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="paperwire-workers-") as tmp, pg_database(None) as url:
        work = Path(tmp)
        papers, ids, queries = sample(args.papers, work)
        env = {
            **clean,
            "PAPERWIRE_DATA_DIR": str(work / "data"),
            "PAPERWIRE_DATABASE_URL": url,
            "PAPERWIRE_SECRET_KEY": uuid.uuid4().hex,
        }
        subprocess.run([PAPERWIRE, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        log(f"importing {args.papers:,} papers")
        subprocess.run([PAPERWIRE, "import", str(papers)], env=env, check=True)
        html, api = "text/html", "application/json"
        endpoints = {
            "home": (["/"], html),
            "paper": ([f"/papers/{i}" for i in ids], html),
            "search (lexical, API)": (
                [f"/api/papers/search?q={quote(q)}&mode=lexical" for q in queries],
                api,
            ),
            "api daily_papers": (["/api/daily_papers"], api),
        }
        for workers in counts:
            with server(env, workers) as (base, _):
                for result in measure(f"{workers}", base, endpoints, args, work, threads=1):
                    rows.append(
                        (
                            workers,
                            result.endpoint,
                            result.rps,
                            result.p50_ms,
                            result.p95_ms,
                            result.errors,
                            result.note.removeprefix("load avg "),
                        )
                    )
    base_rps = {endpoint: rps for workers, endpoint, rps, *_ in rows if workers == counts[0]}
    lines = [
        f"### Workers on PostgreSQL ({args.papers:,} real papers; wrk, {args.connections} "
        f"connections, {args.duration:.0f} s per row after {args.warmup:.0f} s warm-up; "
        f"{started})",
        "",
        f"Machine: {machine()}. Load generator and server share it. Code: {git_describe()}.",
        "",
        "| workers | page | requests/s | vs 1 worker | p50 ms | p95 ms | errors | "
        "load avg before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for workers, endpoint, rps, p50, p95, errors, load in rows:
        ratio = rps / base_rps[endpoint] if base_rps.get(endpoint) else 0.0
        lines.append(
            f"| {workers} | {endpoint} | {rps:.0f} | {ratio:.2f}x | {p50:.1f} | {p95:.1f} | "
            f"{errors} | {load} |"
        )
    lines.append("")
    lines.append(f"Load average at the end: {load_average()}.")
    report = "\n".join(lines)
    write_report(report, args.out)


if __name__ == "__main__":
    main()
