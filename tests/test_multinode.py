"""Three serving nodes on one PostgreSQL behave as one service (issue 14).

Each node is a real `paperwire serve` process with its own data and index folders, as on its own
machine; an importer is a fourth process with a folder of its own. They share only the database
and the secret key, as a deployment behind a load balancer does (docs/deploy.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nodes_helpers import free_port, node_env, paperwire, wait_until

pytestmark = pytest.mark.slow

CATCH_UP_SECONDS = 1  # nodes_helpers.node_env sets index_catch_up_seconds to this
NODES = 3


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
    importer = node_env(postgresql_url, tmp_path / "importer")
    paperwire(importer, "init")
    paperwire(importer, "import", str(_papers(tmp_path / "first.jsonl", "graphs", 20, 1)))
    paperwire(importer, "user", "add", "ada", "--password", "correct horse battery")
    nodes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for number in range(NODES):
            port = free_port()
            env = node_env(postgresql_url, tmp_path / f"node{number}")
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
            wait_until(lambda url=url: httpx.get(f"{url}/healthz").status_code == 200, 60)
        yield urls, importer
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            node.wait(timeout=30)


def _found(url: str, word: str) -> int:
    response = httpx.get(f"{url}/api/papers/search", params={"q": word, "mode": "lexical"})
    response.raise_for_status()
    return len(response.json())


def test_a_paper_imported_anywhere_is_searchable_on_every_node(
    cluster: tuple[list[str], dict[str, str]], tmp_path: Path
) -> None:
    urls, importer = cluster
    assert all(_found(url, "graphs") == 20 for url in urls)  # built from the store at start
    paperwire(importer, "import", str(_papers(tmp_path / "late.jsonl", "knots", 5, 100)))
    waits = [wait_until(lambda url=url: _found(url, "knots") == 5, 30) for url in urls]
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
