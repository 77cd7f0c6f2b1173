"""MCP tool-call latency (issue 15's "Numbers"): `search_papers` and `get_paper` over
streamable HTTP at /mcp, on the 200k store, measured at the server.

    python bench/mcp_bench.py [--data-dir DIR] [--calls 300] [--out bench/out/mcp.md]

DIR holds (or gets, with `paperwire import`, which also indexes) a SQLite store of the 200k
corpus. The web app runs in this process under uvicorn (one worker, as `paperwire serve`
starts it); the SDK's own client, in a process of its own, calls the tools with a read
token, one call per HTTP request (the endpoint is stateless, JSON answers). "At the server"
is the time from the request's arrival in the app (an ASGI wrapper around the whole app, so
the token check, the rate limit and the SDK are inside it) to the last byte of its answer.
The baseline, in the same run, is the service work the tool wraps, called directly (the
same search and cards; the same paper, cards and markdown), so the ratio is what MCP adds.
Server CPU per call (the process's CPU time over the phase, per request) says what a call
costs whatever else loads the machine. Lexical search: the 200k store has no embeddings
(embedding it takes ~35 min on this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import PAPERWIRE, SHARED_DATA, machine, median, varied_queries, write_report

CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Timed:
    """ASGI wrapper: how long each /mcp request spent in the app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.durations: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/mcp":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.durations.append((time.perf_counter() - start) * 1000)

        await self.app(scope, receive, timed_send)


def sample(rng: random.Random, n_ids: int) -> tuple[list[str], list[str], list[str]]:
    ids: list[str] = []
    titles: list[str] = []
    authors: list[str] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            if rng.random() < 0.02:
                record = json.loads(line)
                ids.append(record["id"])
                titles.append(" ".join(record.get("title", "").split()))
                authors.extend(record.get("authors", [])[:1])
    rng.shuffle(ids)
    return ids[:n_ids], titles, authors


async def client_calls(url: str, token: str, tool: str, inputs: list[dict[str, Any]]) -> None:
    """The client side (its own process, so it takes no GIL from the server): call ``tool``
    with each input; print the round trips (ms) as JSON."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}"}
    round_trips: list[float] = []
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        for arguments in inputs:
            start = time.perf_counter()
            answer = await client.call_tool(tool, arguments)
            round_trips.append((time.perf_counter() - start) * 1000)
            assert not answer.is_error, answer.content
    print(json.dumps(round_trips))


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--client":
        url, token, tool, inputs = sys.argv[2:]
        asyncio.run(client_calls(url, token, tool, json.loads(Path(inputs).read_text())))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/paperwire-bench-200k"))
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("bench/out/mcp.md"))
    args = parser.parse_args()

    import uvicorn

    from paperwire import citations
    from paperwire.models import TokenScope
    from paperwire.service import make_service
    from paperwire.settings import Settings
    from paperwire.web.app import create_app

    env = {"PAPERWIRE_DATA_DIR": str(args.data_dir)}
    if not (args.data_dir / "paperwire.db").exists():
        subprocess.run([PAPERWIRE, "init"], env={**os.environ, **env}, check=True)
        subprocess.run([PAPERWIRE, "import", str(CORPUS)], env={**os.environ, **env}, check=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    service = make_service(Settings(data_dir=args.data_dir, base_url=base))
    service.init()  # this paperwire's schema (the token table) on an older bench store
    service.limits.limits["mcp"] = (10**9, 600.0)  # the bench's own calls are not the test
    name = "mcp-bench"
    user = service.store.people.by_username(name) or service.accounts.add_user(
        name, None, "mcp-bench-password", admin=False
    )
    _, token = service.tokens.create(user, "bench", TokenScope.READ)

    rng = random.Random(15)
    ids, titles, authors = sample(rng, args.calls)
    queries = varied_queries(titles, authors, args.calls, rng)

    app = Timed(create_app(service=service))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def direct_search(q: str) -> None:
        response = service.search.search(q, mode="lexical", limit=10)
        service.cards([r.paper for r in response.results], user)

    def direct_paper(paper_id: str) -> None:
        paper = service.papers.get(paper_id)
        service.cards([paper], user)
        citations.markdown(paper, base)

    results: dict[str, dict[str, float]] = {}
    phases: list[tuple[str, list[dict[str, Any]], Callable[[dict[str, Any]], None]]] = [
        (
            "search_papers",
            [{"query": q, "mode": "lexical", "limit": 10} for q in queries],
            lambda a: direct_search(a["query"]),
        ),
        ("get_paper", [{"id": i} for i in ids], lambda a: direct_paper(a["id"])),
    ]
    try:
        for tool, inputs, direct in phases:
            for arguments in inputs[:30]:  # warm-up (this process): caches, index readers
                direct(arguments)
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
                json.dump(inputs[:30] + inputs, file)
            app.durations.clear()
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            client = subprocess.run(
                [sys.executable, __file__, "--client", f"{base}/mcp", token, tool, file.name],
                check=True,
                capture_output=True,
                text=True,
            )
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            Path(file.name).unlink()
            server_cpu = (
                cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
            )
            # The first 30 calls warmed the server: measured are the rest.
            at_server = app.durations[-len(inputs) :]
            round_trips = json.loads(client.stdout.strip().splitlines()[-1])[30:]
            baseline: list[float] = []
            cpu_start = time.process_time()
            for arguments in inputs:
                start = time.perf_counter()
                direct(arguments)
                baseline.append((time.perf_counter() - start) * 1000)
            direct_cpu = time.process_time() - cpu_start
            results[tool] = {
                "calls": len(inputs),
                "server_p50": median(at_server),
                "server_p95": percentile(at_server, 0.95),
                "server_cpu": server_cpu * 1000 / len(app.durations),
                "round_trip_p50": median(round_trips),
                "direct_p50": median(baseline),
                "direct_cpu": direct_cpu * 1000 / len(inputs),
            }
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        service.close()

    lines = [
        f"MCP tool calls, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}, "
        f"store {args.data_dir} ({service.settings.effective_database_url.split(':')[0]})",
        "",
        "| tool | calls | at the server p50 | p95 | server CPU per call | client round trip p50"
        " | service call alone p50 | its CPU | ratio (server p50 / service p50) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tool, r in results.items():
        lines.append(
            f"| {tool} | {int(r['calls'])} | {r['server_p50']:.1f} ms | {r['server_p95']:.1f} ms"
            f" | {r['server_cpu']:.1f} ms | {r['round_trip_p50']:.1f} ms"
            f" | {r['direct_p50']:.1f} ms | {r['direct_cpu']:.1f} ms"
            f" | {r['server_p50'] / r['direct_p50']:.1f}x |"
        )
    report = "\n".join(lines)
    write_report(report, args.out)


if __name__ == "__main__":
    main()
