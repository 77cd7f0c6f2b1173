"""Three serving nodes on one PostgreSQL behave as one service (issue 14).

Each node is a real `paperwire serve` process with its own data and index folders, as on its own
machine; an importer is a fourth process with a folder of its own. They share only the database
and the secret key, as a deployment behind a load balancer does (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

CATCH_UP_SECONDS = 1
NODES = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(pg_url: str, folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(folder),
        "PAPERWIRE_DATABASE_URL": pg_url,
        "PAPERWIRE_SECRET_KEY": "multi-node test secret " + "k" * 32,
        "PAPERWIRE_INDEX_CATCH_UP_SECONDS": str(CATCH_UP_SECONDS),
        "PAPERWIRE_SYNC_ARXIV_AT": "",
        "PAPERWIRE_SYNC_HF_HOURS": "0",
        "PAPERWIRE_EMBED_IN_BACKGROUND": "false",
        "PAPERWIRE_PASSWORD_HASH_TIME_COST": "1",
        "PAPERWIRE_PASSWORD_HASH_MEMORY_KIB": "1024",
        "PAPERWIRE_ARXIV_API_URL": "",
        "PAPERWIRE_HF_API_URL": "http://127.0.0.1:9/api",
    }


def _paperwire(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "paperwire", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _papers(path: Path, word: str, count: int, first: int) -> Path:
    with path.open("w") as out:
        for number in range(first, first + count):
            paper = {
                "id": f"2401.{number:05d}",
                "title": f"A study of {word} number {number}",
                "abstract": f"We study {word} carefully.",
                "authors": ["Ada Lovelace"],
                "first_seen": "2024-01-02",
            }
            out.write(json.dumps(paper) + "\n")
    return path


@pytest.fixture
def cluster(postgresql_url: str, tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    importer = _env(postgresql_url, tmp_path / "importer")
    _paperwire(importer, "init")
    _paperwire(importer, "import", str(_papers(tmp_path / "first.jsonl", "graphs", 20, 1)))
    _paperwire(importer, "user", "add", "ada", "--password", "correct horse battery")
    nodes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for number in range(NODES):
            port = _free_port()
            env = _env(postgresql_url, tmp_path / f"node{number}")
            nodes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "paperwire", "serve", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            _wait_until(lambda url=url: httpx.get(f"{url}/healthz").status_code == 200, 60)
        yield urls, importer
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.wait(timeout=30)


def _wait_until(check: object, seconds: float) -> float:
    """Seconds until ``check()`` is true (polled); fails the test after ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if check():  # type: ignore[operator]
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"not true after {seconds} s")


def _found(url: str, word: str) -> int:
    response = httpx.get(f"{url}/api/papers/search", params={"q": word, "mode": "lexical"})
    response.raise_for_status()
    return len(response.json())


def test_a_paper_imported_anywhere_is_searchable_on_every_node(
    cluster: tuple[list[str], dict[str, str]], tmp_path: Path
) -> None:
    urls, importer = cluster
    assert all(_found(url, "graphs") == 20 for url in urls)  # built from the store at start
    _paperwire(importer, "import", str(_papers(tmp_path / "late.jsonl", "knots", 5, 100)))
    waits = [_wait_until(lambda url=url: _found(url, "knots") == 5, 30) for url in urls]
    # Each node applies other processes' changes every CATCH_UP_SECONDS.
    assert max(waits) < CATCH_UP_SECONDS + 10


def test_sessions_votes_and_limits_are_shared(cluster: tuple[list[str], dict[str, str]]) -> None:
    urls, _ = cluster
    login = httpx.post(
        f"{urls[0]}/api/login", json={"username": "ada", "password": "correct horse battery"}
    )
    assert login.status_code == 200
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    # A log-in made on node 0 is good on node 1; the vote is seen at once on node 2.
    voted = httpx.post(f"{urls[1]}/api/papers/2401.00001/vote", headers=bearer)
    assert voted.status_code == 200 and voted.json()["voted"] is True
    seen = httpx.get(f"{urls[2]}/api/papers/2401.00001").json()
    assert seen["upvotes"] == 1
    # Failed log-ins to one account count across nodes: 10 per 15 minutes in all.
    codes = [
        httpx.post(
            f"{urls[attempt % NODES]}/api/login", json={"username": "ada", "password": "wrong"}
        ).status_code
        for attempt in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10:] != [401, 401]  # refused once the shared limit is spent
