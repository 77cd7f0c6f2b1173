"""Real `paperwire` processes on one PostgreSQL, for the multi-node tests (issue 14): the
environment of a node, starting `serve`, waiting, and reading a node's /metrics."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

METRICS_TOKEN = "multi-node metrics token " + "m" * 24
# What the fault tests load a node with: API, pages, search and the health check.
FAULT_ROUTES = (
    "/api/papers/0704.0001",
    "/papers/0704.0002",
    "/api/papers/search?q=quantum&mode=lexical",
    "/",
    "/healthz",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_env(pg_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """A node's environment: its own data folder, the shared database and secret, no network."""
    return {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(folder),
        "PAPERWIRE_DATABASE_URL": pg_url,
        "PAPERWIRE_SECRET_KEY": "multi-node test secret " + "k" * 32,
        "PAPERWIRE_INDEX_CATCH_UP_SECONDS": "1",
        "PAPERWIRE_SYNC_ARXIV_AT": "",
        "PAPERWIRE_SYNC_HF_HOURS": "0",
        "PAPERWIRE_EMBED_IN_BACKGROUND": "false",
        "PAPERWIRE_PASSWORD_HASH_TIME_COST": "1",
        "PAPERWIRE_PASSWORD_HASH_MEMORY_KIB": "1024",
        "PAPERWIRE_ARXIV_API_URL": "",
        "PAPERWIRE_HF_API_URL": "http://127.0.0.1:9/api",
        "PAPERWIRE_METRICS_TOKEN": METRICS_TOKEN,
        **{f"PAPERWIRE_{name.upper()}": value for name, value in extra.items()},
    }


def paperwire(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "paperwire", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def serve(env: dict[str, str], log: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """A `paperwire serve` process (its log in ``log``) and its address."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, f"http://127.0.0.1:{port}"


def wait_until(check: Callable[[], object], seconds: float) -> float:
    """Seconds until ``check()`` is true (polled); fails the test after ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if check():
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not true after {seconds} s")


def healthy(url: str) -> bool:
    return httpx.get(f"{url}/healthz", timeout=10).status_code == 200


def serve_snapshot(
    pg_url: str, folder: Path, shared_data: Path
) -> tuple[subprocess.Popen[bytes], str, set[int]]:
    """A store on ``pg_url`` with the first 200 papers of the arXiv snapshot, served by
    `paperwire serve --workers 2` (its data and log in ``folder``) once it is healthy: the
    process, its address and its workers' process ids."""
    env = node_env(pg_url, folder / "node")
    paperwire(env, "init")
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    paperwire(env, "import", str(snapshot))
    proc, base = serve(env, folder / "node.log", "--workers", "2")
    try:
        wait_until(lambda: healthy(base), 90)
    except AssertionError:
        stop([proc])
        raise
    workers = worker_pids(proc.pid)
    assert len(workers) >= 2
    return proc, base, workers


def worker_pids(pid: int) -> set[int]:
    """The process ids of a `serve --workers N` process's children (its workers)."""
    done = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(line) for line in done.stdout.split()}


def get_status(client: httpx.Client, url: str) -> tuple[int, str]:
    """Status and "Retry-After body"; -1 and the error when the connection to the node failed."""
    try:
        response = client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        return -1, repr(exc)
    return response.status_code, f"{response.headers.get('retry-after')} {response.text}"


def job_runs(url: str, job: str) -> dict[str, int]:
    """``paperwire_job_runs_total`` of one job on one node, by outcome."""
    text = httpx.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    ).text
    runs: dict[str, int] = {}
    for labels, value in re.findall(r"^paperwire_job_runs_total\{([^}]*)\} (\S+)$", text, re.M):
        found = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        if found.get("job") == job:
            runs[found["outcome"]] = runs.get(found["outcome"], 0) + int(float(value))
    return runs


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
