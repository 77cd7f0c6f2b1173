"""Bytes on the wire with and without gzip (Starlette's GZipMiddleware, as the app runs it),
and what it costs in time, on the demo store (what `make run` serves).

    python bench/compression_bench.py [--runs 30]

For each page: the body's bytes as sent plain and gzipped, the bytes saved, and the median
time of a request each way, in one run (the in-process app through Starlette's TestClient)."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from _common import machine
from paperwire.service import make_service
from paperwire.settings import Settings
from paperwire.web.app import create_app

PAGES = ["/", "/papers/trending", "/search?q=retrieval+augmented+generation", "/feeds/daily.xml"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        seed = make_service(settings)
        seed.init()
        seed.papers.import_demo()
        paper = seed.feeds.trending(limit=1).cards[0].paper.id
        seed.close()
        pages = [*PAGES[:1], f"/papers/{paper}", *PAGES[1:]]
        print(f"machine: {machine()} · {time.strftime('%Y-%m-%d')} · {args.runs} runs")
        print("| page | plain bytes | gzip bytes | saved | plain ms | gzip ms |")
        print("|---|---:|---:|---:|---:|---:|")
        with TestClient(create_app(settings)) as client:
            for path in pages:
                sizes: dict[str, int] = {}
                samples: dict[str, list[float]] = {"identity": [], "gzip": []}
                for encoding in samples:  # warm the page cache and the index
                    client.get(path, headers={"Accept-Encoding": encoding})
                for _ in range(args.runs):
                    for encoding in samples:  # alternated, so noise falls on both alike
                        start = time.perf_counter()
                        response = client.get(path, headers={"Accept-Encoding": encoding})
                        samples[encoding].append(time.perf_counter() - start)
                        # The bytes as sent: httpx keeps the compressed length in the header.
                        sizes[encoding] = int(response.headers.get("content-length", 0))
                times = {k: statistics.median(v) * 1000 for k, v in samples.items()}
                saved = sizes["identity"] - sizes["gzip"]
                print(
                    f"| `{path[:40]}` | {sizes['identity']:,} | {sizes['gzip']:,} | "
                    f"{saved / 1024:.1f} KiB ({saved / sizes['identity']:.0%}) | "
                    f"{times['identity']:.1f} | {times['gzip']:.1f} |"
                )


if __name__ == "__main__":
    main()
