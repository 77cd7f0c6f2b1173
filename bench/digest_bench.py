"""Digest benchmark: N confirmed subscriptions (trending, topic, author, category) on the 200k
corpus; compose every digest due for one day (a dry run: matching and composing, no mail),
then deliver them to a local SMTP server (aiosmtpd in its own process); peak memory at two
subscription counts; topic-matching cost per subscription.

    .venv/bin/python bench/digest_bench.py --data-dir DIR [--subscriptions 10000]

DIR is a paperwire data folder whose store holds the corpus, imported and indexed:
    PAPERWIRE_DATA_DIR=DIR .venv/bin/paperwire import ../shared/data/corpus/papers-200k.jsonl.gz
Its digest tables are emptied first: use a scratch copy, not a live site.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import machine
from paperwire.service import Service, make_service
from paperwire.settings import Settings

TOPICS = [
    "retrieval augmented generation",
    "diffusion models",
    "vision language model",
    "large language model reasoning",
    "reinforcement learning from human feedback",
    "image segmentation",
    "object detection",
    "3d gaussian splatting",
    "video generation",
    "speech recognition",
    "machine translation",
    "graph neural networks",
    "knowledge distillation",
    "mixture of experts",
    "chain of thought",
    "code generation",
    "autonomous driving",
    "medical image segmentation",
    "point cloud",
    "text to image",
    "multimodal benchmark",
    "hallucination",
    "tool use agents",
    "federated learning",
    "contrastive learning",
    "self-supervised learning",
    "neural radiance fields",
    "pose estimation",
    "efficient transformer",
    "quantization",
    "long context",
    "instruction tuning",
    "preference optimization",
    "embodied agents",
    "robot manipulation",
    "navier stokes",
    "elliptic equations",
    "low resource languages",
    "sentiment analysis",
    "named entity recognition",
    "question answering",
    "summarization",
    "anomaly detection",
    "time series forecasting",
    "domain adaptation",
    "visual question answering",
    "optical flow",
    "depth estimation",
    "super resolution",
    '"world model"',
]
CATEGORIES = [
    "cs.CV",
    "cs.CL",
    "cs.AI",
    "cs.LG",
    "math.AP",
    "cs.RO",
    "cs.IR",
    "eess.IV",
    "cs.CR",
    "stat.ML",
    "cs.SD",
    "cs.HC",
]
MIX = (("trending", 0.4), ("topic", 0.3), ("author", 0.15), ("category", 0.15))


@dataclass(frozen=True)
class BenchSettings(Settings):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_rate_per_second: float = 0.0
    smtp_timeout: float = 30.0
    mail_from: str = "paperwire <digest@bench.example.org>"


def service(data_dir: Path, port: int = 2525) -> Service:
    settings = BenchSettings(
        data_dir=data_dir, smtp_port=port, base_url="https://bench.example.org", secret_key="bench"
    )
    return make_service(settings)


def populate(svc: Service, n: int, day: date, seed: int = 7) -> dict[str, int]:
    """N active subscriptions, each covered through the day before ``day``, due at 07:00 UTC."""
    from sqlalchemy import delete, insert, select

    from paperwire.store.schema import (
        deliveries,
        digest_items,
        papers,
        subscribers,
        subscriptions,
    )

    rng = random.Random(seed)
    svc.init()
    store = svc.store
    with store.db.read() as conn:
        recent = [
            json.loads(a)
            for (a,) in conn.execute(
                select(papers.c.authors).where(
                    papers.c.feed_day > day - timedelta(days=3), papers.c.feed_day <= day
                )
            )
        ]
        older = [
            json.loads(a)
            for (a,) in conn.execute(
                select(papers.c.authors)
                .where(papers.c.feed_day > day - timedelta(days=60))
                .limit(5000)
            )
        ]
    authors = [names[0] for names in recent + older if names]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    kinds: dict[str, int] = {}
    subs, people = [], []
    for i in range(n):
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        value = {
            "trending": lambda: "",
            "topic": lambda: rng.choice(TOPICS),
            "author": lambda: rng.choice(authors),
            "category": lambda: rng.choice(CATEGORIES),
        }[kind]()
        people.append(
            {
                "id": i + 1,
                "email": f"r{i}@bench.example.org",
                "email_key": f"r{i}@bench.example.org",
                "status": "active",
                "failures": 0,
                "timezone": "UTC",
                "created_at": now,
                "confirmed_at": now,
                "notice_count": 0,
            }
        )
        subs.append(
            {
                "id": i + 1,
                "subscriber_id": i + 1,
                "kind": kind,
                "value": value,
                "frequency": "daily",
                "send_hour": 7,
                "top_n": 10,
                "status": "active",
                "paused": False,
                "confirm_due": False,
                "covered_through": day - timedelta(days=1),
                "created_at": now,
                "confirmed_at": now,
            }
        )
    with store.db.write() as conn:
        for table in (digest_items, deliveries, subscriptions, subscribers):
            conn.execute(delete(table))
        conn.execute(insert(subscribers), people)
        conn.execute(insert(subscriptions), subs)
    return kinds


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def compose_phase(data_dir: Path, n: int, day: date) -> dict[str, Any]:
    svc = service(data_dir)
    kinds = populate(svc, n, day)
    svc.search.index()  # load the indexes before measuring (a serving process has them loaded)
    base = rss_mb()
    now = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=8)
    cpu = cpu_seconds()
    report = svc.digests.run_digests(now, dry_run=True)
    return {
        "cpu": cpu_seconds() - cpu,
        "n": n,
        "kinds": kinds,
        "seconds": report.seconds,
        "due": report.due,
        "would_send": len(report.would_send),
        "empty": report.empty,
        "match_seconds": report.match_seconds,
        "compose_seconds": report.compose_seconds,
        "rss_before_mb": base,
        "rss_peak_mb": rss_mb(),
    }


def topic_cost(data_dir: Path, day: date) -> dict[str, float]:
    """Matching one topic against the day's window, uncached (a fresh matcher per query)."""
    from paperwire.search.topics import TopicMatcher

    svc = service(data_dir)
    svc.search.index()
    ids = [c.id for c in svc.store.deliveries.window_candidates(day - timedelta(days=4), day)]
    costs, hits = [], []
    for query in TOPICS:
        matcher = TopicMatcher(svc.search.engine, min_similarity=0.35)
        window = matcher.window(ids)
        start = time.perf_counter()
        found = matcher.topic(query, window)
        costs.append((time.perf_counter() - start) * 1000)
        hits.append(len(found))
    costs.sort()
    return {
        "window": len(ids),
        "queries": len(TOPICS),
        "median_ms": costs[len(costs) // 2],
        "p95_ms": costs[int(len(costs) * 0.95)],
        "mean_hits": sum(hits) / len(hits),
        "semantic": svc.search.engine.semantic_available(),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deliver_phase(data_dir: Path, n: int, day: date) -> dict[str, Any]:
    port = free_port()
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        svc = service(data_dir, port)
        populate(svc, n, day)
        svc.search.index()
        now = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(
            hours=8
        )
        cpu = cpu_seconds()
        report = svc.digests.run_digests(now)
        return {
            "cpu": cpu_seconds() - cpu,
            "n": n,
            "seconds": report.seconds,
            "sent": report.sent,
            "empty": report.empty,
            "failed": report.failed,
            "retry": report.retry,
            "send_seconds": report.send_seconds,
            "match_seconds": report.match_seconds,
            "compose_seconds": report.compose_seconds,
            "rss_peak_mb": rss_mb(),
        }
    finally:
        sink.terminate()
        sink.wait()


def child(phase: str, data_dir: Path, n: int, day: date) -> dict[str, Any]:
    """Each measurement in its own process, so peak memory is that phase's alone."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--data-dir",
            str(data_dir),
            "--phase",
            phase,
            "--subscriptions",
            str(n),
            "--day",
            day.isoformat(),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 6, 2))
    parser.add_argument("--phase", choices=["compose", "deliver", "topics"])
    args = parser.parse_args()
    if args.phase:
        run = {"compose": compose_phase, "deliver": deliver_phase}.get(args.phase)
        result = (
            run(args.data_dir, args.subscriptions, args.day)
            if run
            else topic_cost(args.data_dir, args.day)
        )
        print(json.dumps(result))
        return
    small = child("compose", args.data_dir, args.small, args.day)
    big = child("compose", args.data_dir, args.subscriptions, args.day)
    topics = child("topics", args.data_dir, 0, args.day)
    sent = child("deliver", args.data_dir, args.subscriptions, args.day)
    topic_subs = big["kinds"].get("topic", 1)
    load = os.getloadavg()[0]
    print(
        f"Digest benchmark · {machine()} · load average {load:.1f} · feed day {args.day} · "
        "SQLite store of the 200k corpus\n"
    )
    print("| measure | value |\n|---|---|")
    print(
        f"| subscriptions (trending/topic/author/category) | {big['n']:,} "
        f"({'/'.join(str(big['kinds'].get(k, 0)) for k, _ in MIX)}) |"
    )
    print(
        f"| compose all digests for the day (dry run) | {big['seconds']:.1f} s "
        f"({big['would_send']:,} digests, {big['empty']:,} empty; CPU {big['cpu']:.1f} s) |"
    )
    print(
        f"| of which matching / composing | {big['match_seconds']:.1f} s / "
        f"{big['compose_seconds']:.1f} s |"
    )
    print(
        f"| deliver to local aiosmtpd (claim, send, log) | {sent['seconds']:.1f} s "
        f"({sent['sent']:,} sent, {sent['empty']:,} empty, {sent['failed']} failed, "
        f"SMTP time {sent['send_seconds']:.1f} s; sender CPU {sent['cpu']:.1f} s) |"
    )
    print(
        f"| peak RSS, {small['n']:,} vs {big['n']:,} subscriptions (compose) | "
        f"{small['rss_peak_mb']:.0f} MB vs {big['rss_peak_mb']:.0f} MB "
        f"(indexes loaded: {small['rss_before_mb']:.0f} / {big['rss_before_mb']:.0f} MB) |"
    )
    print(
        f"| topic matching, one query uncached (window {topics['window']:,} papers) | "
        f"median {topics['median_ms']:.1f} ms, p95 {topics['p95_ms']:.1f} ms, "
        f"{topics['mean_hits']:.1f} matches on average; semantic: "
        f"{'yes' if topics['semantic'] else 'no (no embeddings)'} |"
    )
    print(
        f"| matching per subscription in the run (all kinds; topics cached per query) | "
        f"{big['match_seconds'] / max(1, big['due']) * 1000:.2f} ms; "
        f"{topic_subs:,} topic subscriptions share {len(TOPICS)} distinct queries, so a "
        f"topic costs {topics['median_ms'] * len(TOPICS) / max(1, topic_subs):.2f} ms "
        "per topic subscription in matching |"
    )


if __name__ == "__main__":
    main()
