"""Scheduled jobs on several nodes (issue 14): each runs once across all of them, and a node
killed with SIGKILL in the middle of a job hands it over once the job's lease expires.

Three real `paperwire serve` processes with their own data folders share one PostgreSQL. The
Hugging Face sync (every hour, so once at each node's start) reads a local stand-in for the
HF API that holds the first request open: the node holding the job is then mid-job, and is
killed. Leases are 2 s here; every wait below is several times that."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from nodes_helpers import healthy, job_runs, node_env, paperwire, serve, stop, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

TTL = 2.0
NODES = 3


class StandInHf:
    """``GET /api/daily_papers``: the first request is held open (until the test ends), every
    other one answers an empty day at once. Records (monotonic time, date) per request."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str]] = []
        self.release = threading.Event()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                day = parse_qs(urlparse(self.path).query).get("date", [""])[0]
                with lock:
                    outer.requests.append((time.monotonic(), day))
                    first = len(outer.requests) == 1
                if first:
                    outer.release.wait(120)
                body = b"[]"
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the asking node was killed

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hf() -> Iterator[StandInHf]:
    server = StandInHf()
    yield server
    server.close()


def _lock_owner_pid(pg_url: str, name: str) -> int | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            owner = conn.execute(
                text("SELECT owner FROM job_locks WHERE name = :name"), {"name": name}
            ).scalar_one_or_none()
    finally:
        engine.dispose()
    return None if owner is None else int(str(owner).split(":")[1])


def _finished_runs(pg_url: str, job: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM sync_state WHERE name = :name"),
                    {"name": f"job-run:{job}"},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_each_job_runs_once_and_a_killed_holder_hands_it_over(
    postgresql_url: str, tmp_path: Path, hf: StandInHf
) -> None:
    settings = {
        "sync_hf_hours": "1",
        "hf_api_url": hf.url,
        "hf_delay_seconds": "0",
        "sync_lock_ttl_seconds": str(TTL),
        "job_lease_seconds": str(TTL),
    }
    paperwire(node_env(postgresql_url, tmp_path / "admin"), "init")
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for number in range(NODES):
            env = node_env(postgresql_url, tmp_path / f"node{number}", **settings)
            proc, url = serve(env, tmp_path / f"node{number}.log")
            procs.append(proc)
            urls.append(url)
        for url in urls:
            wait_until(lambda url=url: healthy(url), 90)

        # Session clean-up, due at every node's start: one node ran it, the others skipped.
        wait_until(lambda: all(job_runs(url, "sessions") for url in urls), 30)
        time.sleep(2 * TTL + 1)  # the nodes that skipped have looked again
        sessions = [job_runs(url, "sessions") for url in urls]
        assert sum(runs.get("ok", 0) for runs in sessions) == 1, sessions

        # The HF sync: one node holds the job, stuck in its first request; kill it.
        wait_until(lambda: hf.requests, 30)
        pid = _lock_owner_pid(postgresql_url, "job:sync-hf")
        holder = next(i for i, proc in enumerate(procs) if proc.pid == pid)
        assert len(hf.requests) == 1  # the others wait: the job is held
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        procs[holder].wait(10)
        survivors = [url for i, url in enumerate(urls) if i != holder]

        # Another node takes it over once the dead holder's lease expires, and finishes it.
        wait_until(lambda: len(hf.requests) > 1, TTL + 20)
        wait_until(lambda: _finished_runs(postgresql_url, "sync-hf") == 1, 30)
        time.sleep(2 * TTL + 1)  # the third node has looked again too
        after = [day for at, day in hf.requests if at > killed_at]
        assert after and set(Counter(after).values()) == {1}, after  # one run, not two
        syncs = [job_runs(url, "sync-hf") for url in survivors]
        assert sum(runs.get("ok", 0) for runs in syncs) == 1, syncs
        assert all(proc.poll() is None for i, proc in enumerate(procs) if i != holder)
    finally:
        stop(procs)
