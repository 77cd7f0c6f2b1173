"""What a vote costs in the store, and how much of it is the rate limit's write (issue 11).

    nice -n 10 /work/main/.venv/bin/python bench/vote_bench.py [--users 40] [--rounds 3]

In process, one thread, on a fresh SQLite file and a fresh PostgreSQL database (dropped at
the end), each holding one paper. Per round and database, for every user (each stays inside
its budget of 60 votes in 10 minutes, so no answer is a 429 and every call does the whole
work), interleaved:

- ``toggle``: the store's vote toggle alone (``store.community.toggle_vote``: the user-row
  lock, the delete or insert), the baseline;
- ``limit``: the rate limit's spend alone (``limits.allow("vote", user)``: one upsert of the
  user's bucket);
- ``service``: the whole ``community.toggle_vote`` a request makes (spend, toggle, the card's
  counts).

Medians per call in milliseconds, and ratios to ``toggle`` measured in the same round.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from _common import PG_URL, machine, median
from paperwire.ingest import import_items
from paperwire.models import Paper, User
from paperwire.service import make_service
from paperwire.settings import Settings

PAPER = "2401.00001"
PER_USER = 10  # calls of each kind per user and round: 3 x 10 x rounds stays under 60


def _timed(call: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def measure(url: str, data_dir: Path, users: int, rounds: int) -> dict[str, float]:
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        sync_arxiv_at="",
        sync_hf_hours=0,
    )
    service = make_service(settings)
    try:
        service.init()
        import_items(service.store, [("bench", Paper(id=PAPER, title="A paper"))])
        people: list[User] = [
            service.accounts.sign_up(f"voter{k:03d}", None, "correct horse battery")
            for k in range(users)
        ]
        samples: dict[str, list[float]] = {"toggle": [], "limit": [], "service": []}
        now = datetime.now(UTC)
        for _ in range(rounds):
            for user in people:
                samples["toggle"] += _timed(
                    lambda u=user: service.store.community.toggle_vote(u.id, PAPER, now), PER_USER
                )
                samples["limit"] += _timed(
                    lambda u=user: service.limits.allow("vote", u.username), PER_USER
                )
                samples["service"] += _timed(
                    lambda u=user: service.community.toggle_vote(u, PAPER), PER_USER
                )
        return {kind: median(values) for kind, values in samples.items()}
    finally:
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if 3 * PER_USER * args.rounds > 60:
        sys.exit("--rounds: each user would pass its vote budget (60 in 10 minutes)")
    from sqlalchemy import create_engine, text

    name = f"paperwire_votebench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = f"sqlite:///{Path(tmp) / 'paperwire.db'}"
            results["SQLite"] = measure(sqlite, Path(tmp) / "s", args.users, args.rounds)
            pg = PG_URL.rsplit("/", 1)[0] + "/" + name
            results["PostgreSQL"] = measure(pg, Path(tmp) / "p", args.users, args.rounds)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    calls = args.users * PER_USER * args.rounds
    print(f"{machine()} · {time.strftime('%Y-%m-%d %H:%M')} · {calls} calls of each kind")
    print("| store | toggle (ms) | limit spend (ms) | service toggle (ms) | limit / toggle |")
    print("|---|---|---|---|---|")
    for store, r in results.items():
        ratio = r["limit"] / r["toggle"]
        print(
            f"| {store} | {r['toggle']:.2f} | {r['limit']:.2f} | {r['service']:.2f} | {ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
