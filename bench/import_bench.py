"""Import throughput and memory: the 200k corpus into fresh SQLite and PostgreSQL stores.

Measures (issue 2): first import papers/s, re-import (all unchanged) speed-up, peak RSS on a
20k slice vs the whole 200k file. Prints a Markdown table for docs/benchmarks.md.

    python bench/import_bench.py [--runs 3] [--skip-pg]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import tempfile
import uuid
from datetime import date
from pathlib import Path

from _common import PAPERWIRE, PG_URL, SHARED_DATA, machine, median, run_peak_rss

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
N_PAPERS = 200_971


def make_slice(path: Path, lines: int) -> None:
    with gzip.open(CORPUS, "rb") as src, gzip.open(path, "wb", compresslevel=1) as out:
        out.writelines(itertools.islice(src, lines))


def pg_database() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"paperwire_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, PG_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def bench_backend(label: str, url_for_run, runs: int) -> list[str]:  # type: ignore[no-untyped-def]
    first, again, peak = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            url, cleanup = url_for_run(Path(tmp))
            env = {"PAPERWIRE_DATA_DIR": tmp, "PAPERWIRE_DATABASE_URL": url}
            run_peak_rss([PAPERWIRE, "init"], env)
            t1, rss = run_peak_rss([PAPERWIRE, "import", "--no-index", str(CORPUS)], env)
            t2, _ = run_peak_rss([PAPERWIRE, "import", "--no-index", str(CORPUS)], env)
            first.append(t1)
            again.append(t2)
            peak.append(rss)
            cleanup()
    m1, m2 = median(first), median(again)
    rss = median(peak)
    return [
        f"| {label} | first import | {m1:.1f} s | {N_PAPERS / m1:,.0f} papers/s "
        f"| peak RSS {rss:.0f} MB |",
        f"| {label} | re-import (unchanged) | {m2:.1f} s | {N_PAPERS / m2:,.0f} papers/s "
        f"| {m1 / m2:.2f}x faster than first |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()

    rows = []

    def sqlite_url(tmp: Path):  # type: ignore[no-untyped-def]
        return f"sqlite:///{tmp / 'paperwire.db'}", lambda: None

    def pg_url(tmp: Path):  # type: ignore[no-untyped-def]
        name, url = pg_database()
        return url, lambda: drop_pg(name)

    rows += bench_backend("SQLite", sqlite_url, args.runs)
    if not args.skip_pg:
        rows += bench_backend("PostgreSQL", pg_url, args.runs)

    with tempfile.TemporaryDirectory() as tmp:
        slice_path = Path(tmp) / "papers-20k.jsonl.gz"
        make_slice(slice_path, 20_000)
        for label, path in (("20k slice", slice_path), ("200k corpus", CORPUS)):
            with tempfile.TemporaryDirectory() as data:
                env = {"PAPERWIRE_DATA_DIR": data, "PAPERWIRE_DATABASE_URL": ""}
                _, rss = run_peak_rss([PAPERWIRE, "import", "--no-index", str(path)], env)
                rows.append(f"| SQLite | peak RSS, {label} | | | {rss} MB |")

    print(f"Import benchmark · {machine()} · {date.today()} · medians of {args.runs} runs\n")
    print("| store | what | time | rate | notes |\n|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
