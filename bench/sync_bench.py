"""Live sync throughput: OAI-PMH pages from a local replay server into a fresh store.

1. End to end (HTTP, parse, merge, store, checkpoint) with the politeness delay at zero: the
   records/s that parsing and storing allow (target: at least 3,000 records/s).
2. A nightly cs.* update with arXiv's real 3 s rule: two pages, 1,000 + 800 records
   (target: under a minute).

The pages repeat real recorded records (arXivRaw and arXiv formats, from ../shared/data) under
new ids, served by the replay server the tests use, in its own process (as a remote server
would be, its work is not ours). Rates are wall-clock; the CPU time of the harvesting process
is shown beside them, because on a shared machine the wall clock also measures the neighbours.
Prints Markdown for docs/sync.md.

    python bench/sync_bench.py [--pages 20] [--page-size 1000] [--runs 3] [--skip-pg]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import PG_URL, REPO, SHARED_DATA, machine, median

sys.path.insert(0, str(REPO / "tests" / "sync"))
from sync_replay import ReplayServer, add_token

from paperwire.store import Store
from paperwire.sync import SyncConfig, run_sync

TODAY = date(2026, 11, 27)
_RECORD = re.compile(rb"<record>.*?</record>", re.S)


def real_records() -> list[bytes]:
    """The 12 recorded ListRecords records (6 arXivRaw, 6 arXiv)."""
    oai = SHARED_DATA / "arxiv-oai"
    files = [
        oai / "mikesaelim_arXivOAIHarvester" / "ListRecordsResponse.xml",
        oai / "inspirehep_hepcrawl" / "functional" / "arxiv-physics-hep-ex.xml",
        oai / "inspirehep_hepcrawl" / "functional" / "arxiv-physics-hep-th.xml",
    ]
    return [m.group(0) for f in files for m in _RECORD.finditer(f.read_bytes())]


def renamed(record: bytes, new_id: str) -> bytes:
    old = re.search(rb"<identifier>oai:arXiv.org:([^<]+)</identifier>", record)
    assert old is not None
    return record.replace(old.group(1), new_id.encode())


def build_pages(count: int, size: int, prefix: str) -> dict[str | None, bytes]:
    """``count`` pages of ``size`` records with fresh ids, chained by resumption tokens."""
    records = real_records()
    head = SHARED_DATA / "arxiv-oai/mikesaelim_arXivOAIHarvester/ListRecordsResponse.xml"
    envelope = head.read_bytes()
    start, end = envelope.index(b"<ListRecords>") + 13, envelope.index(b"</ListRecords>")
    pages: dict[str | None, bytes] = {}
    n = 0
    for page in range(count):
        body = []
        for _ in range(size):
            n += 1
            body.append(renamed(records[n % len(records)], f"{prefix}.{n:05d}"))
        doc = envelope[:start] + b"\n".join(body) + envelope[end:]
        if page < count - 1:
            doc = add_token(doc, f"bench|{page + 1}", page * size, count * size)
        pages[None if page == 0 else f"bench|{page}"] = doc
    return pages


class ServerProcess:
    """The replay server in a child process (this script with ``--serve``)."""

    def __init__(self, pages: int, size: int, prefix: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(pages), str(size), prefix],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.oai_url = self.proc.stdout.readline().strip()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def serve(pages: int, size: int, prefix: str) -> None:
    server = ReplayServer(SHARED_DATA).start()
    server.oai_pages.update(build_pages(pages, size, prefix))
    print(server.oai_url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


def harvest(url: str, oai_url: str, delay: float) -> tuple[float, float, int]:
    """(wall s, CPU s of this process, records) of one harvest into ``url``."""
    store = Store(url)
    store.migrate()
    config = SyncConfig(
        arxiv_oai_url=oai_url,
        contact_email="bench@example.org",
        arxiv_delay=delay,
        batch_size=2000,
    )
    started, cpu = time.perf_counter(), time.process_time()
    report = run_sync(store, config, "arxiv", today=TODAY)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.close()
    assert report.ok, report.to_dict()
    return elapsed, cpu, report.jobs[0].records


def pg_url() -> tuple[str, str]:
    import uuid

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


def throughput(label: str, oai_url: str, runs: int, pg: bool) -> list[str]:
    first: list[tuple[float, float]] = []
    again: list[tuple[float, float]] = []
    records = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            name, url = pg_url() if pg else ("", f"sqlite:///{Path(tmp) / 'paperwire.db'}")
            try:
                t1, c1, records = harvest(url, oai_url, 0.0)
                # The same pages once more (checkpoint dropped): every record unchanged.
                store = Store(url)
                with store.db.write() as conn:
                    conn.exec_driver_sql("DELETE FROM sync_state")
                store.close()
                t2, c2, _ = harvest(url, oai_url, 0.0)
            finally:
                if pg:
                    drop_pg(name)
        first.append((t1, c1))
        again.append((t2, c2))
    rows = []
    for what, runs_ in (
        ("first harvest (all new)", first),
        ("same pages again (unchanged)", again),
    ):
        wall = median([t for t, _ in runs_])
        cpu = median([c for _, c in runs_])
        rows.append(
            f"| {label} | {what}, delay 0 | {records:,} | {wall:.1f} s | "
            f"**{records / wall:,.0f} records/s** | {cpu:.1f} s ({records / cpu:,.0f}/s) |"
        )
    return rows


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    server = ServerProcess(args.pages, args.page_size, "2501")
    try:
        rows = throughput("SQLite", server.oai_url, args.runs, pg=False)
        if not args.skip_pg:
            rows += throughput("PostgreSQL", server.oai_url, args.runs, pg=True)
    finally:
        server.close()
    nightly = ServerProcess(2, 900, "2502")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'paperwire.db'}"
            wall, cpu, records = harvest(url, nightly.oai_url, 3.0)
    finally:
        nightly.close()
    rows.append(
        f"| SQLite | nightly update: 2 pages, real 3 s delay | {records:,} | {wall:.1f} s | "
        f"target < 60 s | {cpu:.1f} s |"
    )

    print(
        f"Sync benchmark · {machine()} · {date.today()} · medians of {args.runs} runs · "
        f"load average {load:.1f} at the start\n"
    )
    print("| store | what | records | wall time | rate | CPU time (rate) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
