"""The "For you" numbers of issue 12, on the 200k store, in one run:

1. the page's ranking for a user with 200 upvotes: the code before (text space and SVM
   fitted per request) against the kept state (space per period, profile per user), first
   load, repeated loads (p50, p95), and the load after a vote (profile refitted; the vote
   shows); the real page (`/for-you`, test client, logged in) on the store's newest day;
2. the For-you digest's ranking: a "day" of ~1,000 papers ranked for N users (default
   10,000, each with 20-200 upvotes drawn from the corpus) through ``Recommend.ranker``,
   with time and RSS as the users go (memory must stay flat in the number of users).

    python bench/for_you_bench.py [--data-dir DIR] [--users 10000] [--day 2026-06-02]

DIR holds (or gets, with `paperwire import --no-index`, ~40 s) a SQLite store of the 200k
corpus; the bench adds its users and votes to it (new names each run).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from _common import PAPERWIRE, SHARED_DATA, machine
from paperwire.ranking import week_bounds
from paperwire.service.recommend import ForYou, Pick, doc_of
from paperwire.service.wiring import Service, make_service
from paperwire.settings import Settings

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
ROCCHIO = True  # the light recipe's Rocchio direction (the digest's); off for the comparison


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def workers_cpu() -> float:
    """CPU seconds of this process's ended children (the digest's forked workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def before(service: Service, user_id: int, username: str, start: date, end: date) -> ForYou:
    """``Recommend.for_user`` as it was before this change (commit f7f80b7): the text space
    fitted per request on the period's papers, the user's positives and the background."""
    from paperwire.recommend import model

    store = service.store
    candidates, _ = store.papers.papers_in_days(start, end, limit=5000)
    liked = store.community.liked(user_id)
    positives = store.papers.get_papers(list(liked))
    listing = [p for p in candidates if p.id not in liked]
    background = store.papers.sample_before(start, model.BACKGROUND)
    everything = {p.id: p for p in [*listing, *positives.values(), *background]}
    space = model.Space([doc_of(p) for p in everything.values()])
    state = model.profile(
        space,
        [(i, liked[i].date()) for i in positives],
        background=[p.id for p in background if p.id not in liked],
    )
    ranked = model.rank(space, state, [p.id for p in listing], explain=50)[:50]
    picks = [Pick(everything[r.id], r.score, r.why) for r in ranked]
    return ForYou(username, start, end, len(state.positives), picks)


def timed(call: object) -> tuple[float, object]:
    started = time.perf_counter()
    out = call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000, out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def page_part(service: Service, day: date, stamp: str) -> None:
    store = service.store
    rng = random.Random(1)
    user = store.people.create_user(f"fy{stamp}", None, "x", is_admin=False, now=datetime.now(UTC))
    older = [p.id for p in store.papers.sample_before(day - timedelta(days=30), 400)]
    liked = rng.sample(older, 200)
    now = datetime.now(UTC)
    for k, paper_id in enumerate(liked):
        store.community.toggle_vote(user.id, paper_id, now - timedelta(days=200 - k))
    spare = [p for p in older if p not in liked]
    print(f"\nuser {user.username}: {len(store.community.liked(user.id))} upvotes")
    recommend = service.recommend
    end = day
    for label, start in (("day", day), ("week", week_bounds(day)[0])):

        def old_way(s: date = start) -> ForYou:
            return before(service, user.id, user.username, s, end)

        def new_way(s: date = start) -> ForYou:
            return recommend.for_period(user.id, user.username, s, end)

        size = len(store.papers.ids_in_days(start, end, limit=5000))
        old = [timed(old_way)[0] for _ in range(3)]
        first, _ = timed(new_way)
        cpu = time.process_time()
        warm = [timed(new_way)[0] for _ in range(21)]
        cpu_ms = (time.process_time() - cpu) * 1000 / 21
        after_vote = []
        for _ in range(3):
            store.community.toggle_vote(user.id, spare.pop(), datetime.now(UTC))
            count = len(store.community.liked(user.id))
            ms, found = timed(new_way)
            assert isinstance(found, ForYou) and found.positives == count, "vote not shown"
            after_vote.append(ms)
        kept, kept_bytes = recommend.kept()
        print(
            f"{label} {start}..{end} ({size} papers): before median {statistics.median(old):.0f} ms"
            f" | after: first load {first:.0f} ms, warm p50 {statistics.median(warm):.1f} ms"
            f" p95 {pct(warm, 0.95):.1f} ms (CPU {cpu_ms:.1f} ms a load), load after a vote median"
            f" {statistics.median(after_vote):.0f} ms | ratio (before / warm p50)"
            f" {statistics.median(old) / statistics.median(warm):.0f}x"
            f" | kept {kept} profiles, {kept_bytes / 2**20:.1f} MB"
        )


def web_part(service: Service, stamp: str) -> None:
    """The real page, on the store's newest feed day, through the app (one process)."""
    from fastapi.testclient import TestClient

    from paperwire.web.app import create_app

    name = f"web{stamp}"
    service.accounts.sign_up(name, None, "correct horse battery")
    user = service.store.people.by_username(name)
    assert user is not None
    rng = random.Random(2)
    older = [p.id for p in service.store.papers.sample_before(date(2026, 1, 1), 400)]
    for paper_id in rng.sample(older, 200):
        service.store.community.toggle_vote(user.id, paper_id, datetime.now(UTC))
    # The app builds a missing search index in the background while serving: build it first,
    # so the page's timings are not shared with an index build.
    indexed = time.perf_counter()
    service.search.index()
    print(f"search index caught up in {time.perf_counter() - indexed:.0f} s")
    app = create_app(service.settings, service)
    with TestClient(app) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        done = client.post(
            "/login",
            data={"username": name, "password": "correct horse battery", "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        first, _ = timed(lambda: client.get("/for-you"))
        cpu = time.process_time()
        loads = [timed(lambda: client.get("/for-you"))[0] for _ in range(21)]
        cpu_ms = (time.process_time() - cpu) * 1000 / 21
        answer = client.get("/for-you")
        assert answer.status_code == 200 and "ranked for" in answer.text
    newest = service.store.papers.latest_feed_day()
    size = len(service.store.papers.ids_in_days(newest, newest, limit=5000)) if newest else 0
    print(
        f"page /for-you (newest day {newest}, {size} papers, 200 upvotes): first {first:.0f} ms,"
        f" p50 {statistics.median(loads):.1f} ms, p95 {pct(loads, 0.95):.1f} ms"
        f" (CPU of the process, client included: {cpu_ms:.1f} ms a load)"
    )


def batch_part(
    service: Service, start: date, end: date, users: int, pool_size: int, stamp: str
) -> None:
    from sqlalchemy import create_engine, insert

    from paperwire.store.schema import users as users_table
    from paperwire.store.schema import votes

    store = service.store
    rng = random.Random(3)
    pool = [p.id for p in store.papers.sample_before(start, pool_size)]
    engine = create_engine(service.store.url)
    made = time.perf_counter()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ids = []
        for k in range(users):
            row = conn.execute(
                insert(users_table)
                .values(
                    username=f"b{stamp}-{k}",
                    email=None,
                    password_hash="x",
                    is_admin=False,
                    created_at=now,
                )
                .returning(users_table.c.id)
            ).one()
            ids.append(int(row[0]))
        batch = []
        for user_id in ids:
            for paper_id in rng.sample(pool, rng.randint(20, 200)):
                batch.append(
                    {
                        "user_id": user_id,
                        "paper_id": paper_id,
                        "created_at": now - timedelta(minutes=rng.randint(0, 500_000)),
                    }
                )
            if len(batch) > 50_000:
                conn.execute(insert(votes), batch)
                batch = []
        if batch:
            conn.execute(insert(votes), batch)
    engine.dispose()
    print(
        f"\n{users} users with 20-200 upvotes each (from {len(pool)} papers) made in"
        f" {time.perf_counter() - made:.0f} s"
    )
    size = len(store.papers.ids_in_days(start, end, limit=5000))
    rss0 = rss_mb()
    from paperwire.service.recommend import one_thread

    limits = one_thread()
    cpu = time.process_time()
    workers = workers_cpu()
    started = time.perf_counter()
    ranker = service.recommend.ranker(start, end)
    space_s = time.perf_counter() - started
    done = 0
    checkpoints = []
    for page in range(0, len(ids), 500):
        chunk = ids[page : page + 500]
        liked = store.community.liked_by(chunk)
        ranker.prefetch(liked)
        ranked = ranker.for_users([(u, str(u)) for u in chunk], limit=10, liked=liked)
        for user_id in chunk:
            found = ranked[user_id]
            assert len(found.picks) == 10 and not found.cold
            done += 1
        if done in (1000, 2500, 5000, 7500) or done == len(ids):
            checkpoints.append(
                f"{done} users {time.perf_counter() - started:.1f} s"
                f" (CPU {time.process_time() - cpu:.1f} s + workers"
                f" {workers_cpu() - workers:.1f} s) RSS {rss_mb():.0f} MB"
            )
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu
    limits.restore_original_limits()
    print(
        f"ranked {start}..{end} ({size} papers) for {done} users in {total:.1f} s"
        f" (space {space_s:.1f} s; {1000 * (total - space_s) / done:.2f} ms a user), CPU"
        f" {cpu:.1f} s here + {workers_cpu() - workers:.1f} s in forked workers;"
        f" RSS {rss0:.0f} MB before, peak {peak_mb():.0f} MB"
    )
    print("  " + "; ".join(checkpoints))


def light(space: Any, user: Any, rng: Any) -> Any:
    """The digest's light profile (no SVM) as a recipe of ``recommend.evaluate``."""
    from paperwire.recommend import evaluate, model

    liked = [(i, day) for i, day in user.profile if i in space.row]
    rows = space.rows([i for i, _ in liked])
    seen = set(rows)
    others = [r for r in space.rows(evaluate.background(space, user, rng)) if r not in seen]
    state = model.light_profile(
        space,
        model.Rows(space.text[rows], space.authors[rows], space.categories[rows]),
        [day for _, day in liked],
        [space.docs[r].title for r in rows],
        background=np.asarray(space.text[others].mean(0), dtype=np.float32).ravel()
        if ROCCHIO
        else None,
    )
    return lambda listing: [r.id for r in model.rank(space, state, listing)]


def quality_part(per_file: int) -> None:
    """What the light profile costs in quality: ``paperwire eval recommend``'s replay of the
    dev users (``per_file`` random users of each file), the tab's profile against it."""
    from paperwire.recommend import benchmark, evaluate
    from paperwire.recommend.benchmark import paired_bootstrap
    from paperwire.service.recommend import corpus_docs

    started = time.perf_counter()
    docs = corpus_docs(CORPUS)
    print(f"\ncorpus through a temporary store: {time.perf_counter() - started:.0f} s")
    files = [SHARED_DATA / "recsys" / f"{n}-dev.jsonl" for n in ("hf-submitters", "authors")]
    groups: dict[str, list[Any]] = {}
    for user in benchmark.load(files).users:
        groups.setdefault(user.benchmark, []).append(user)
    users = []
    for group in groups.values():
        random.Random(0).shuffle(group)
        users += group[:per_file]
    spaces: dict[frozenset[str], Any] = {}
    results = {}
    global ROCCHIO

    def plain(space: Any, user: Any, rng: Any) -> Any:
        global ROCCHIO
        ROCCHIO = False
        try:
            return light(space, user, rng)
        finally:
            ROCCHIO = True

    recipes = (
        ("for-you (SVM)", evaluate.for_you),
        ("light (digest)", light),
        ("light, no Rocchio", plain),
    )
    for name, recipe in recipes:
        t = time.perf_counter()
        results[name] = {
            r.benchmark: r for r in evaluate.evaluate(docs, users, recipe=recipe, spaces=spaces)
        }
        print(f"{name}: {time.perf_counter() - t:.0f} s")
    for bench_name, full in results["for-you (SVM)"].items():
        for name in ("light (digest)", "light, no Rocchio"):
            mine = results[name][bench_name]
            mean, low, high = paired_bootstrap(mine.per_user, full.per_user)
            print(
                f"{bench_name} ({full.users} users): nDCG@10 SVM {full.scores['ndcg@10']:.3f}"
                f" ({full.seconds_per_user * 1000:.0f} ms/user), {name}"
                f" {mine.scores['ndcg@10']:.3f} ({mine.seconds_per_user * 1000:.0f} ms/user),"
                f" minus SVM {mean:+.3f} [{low:+.3f}, {high:+.3f}]"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/paperwire-for-you-200k"))
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 6, 2))
    parser.add_argument("--batch-start", type=date.fromisoformat, default=date(2026, 6, 1))
    parser.add_argument("--pool", type=int, default=200_000, help="papers upvotes come from")
    parser.add_argument("--quality", type=int, default=0, help="dev users per file to replay")
    parser.add_argument("--skip", choices=("page", "web", "batch"), action="append", default=[])
    args = parser.parse_args()
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(args.data_dir)}
    if not (args.data_dir / "paperwire.db").exists():
        subprocess.run([PAPERWIRE, "init"], env=env, check=True)
        subprocess.run([PAPERWIRE, "import", str(CORPUS), "--no-index"], env=env, check=True)
    settings = Settings(
        data_dir=args.data_dir,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        sync_arxiv_at="",
        sync_hf_hours=0,
    )
    service = make_service(settings)
    stamp = datetime.now(UTC).strftime("%H%M%S")
    print(f"{machine()} · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · load {os.getloadavg()[0]:.1f}")
    print(f"store: {service.store.papers.live_count()} papers")
    if "page" not in args.skip:
        page_part(service, args.day, stamp)
    if "web" not in args.skip:
        web_part(service, stamp)
    if "batch" not in args.skip:
        batch_part(service, args.batch_start, args.day, args.users, args.pool, stamp)
    if args.quality:
        quality_part(args.quality)
    print(f"load at the end {os.getloadavg()[0]:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
