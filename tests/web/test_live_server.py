"""A live server: ``paperwire serve --workers 2`` as a subprocess on a loopback port, over the
web tests' seeded store (real papers, hostile titles, an account and its collections), on
SQLite and on PostgreSQL.

- schemathesis sends generated requests (valid and schema-breaking ones) to every documented
  API operation over real HTTP and fails on any 5xx or any status the OpenAPI document does
  not list for that operation. Bounded: a fixed number of examples per operation, Hypothesis
  derandomized, well under a minute per database.
- /metrics sums the counters of both workers (a scrape reaches one of them at random).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from prometheus_client.parser import text_string_to_metric_families
from schema_runs import RUNS, check_answers
from schemathesis.generation.modes import GenerationMode

from paperwire.service import Service

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 20
TOKEN = "live-scrape-token-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live(web_service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server's base URL; the server is stopped (and its log shown on failure) after."""
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("live-data")
    settings = web_service.settings
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(data_dir),
        "PAPERWIRE_DATABASE_URL": settings.effective_database_url,
        "PAPERWIRE_BASE_URL": settings.base_url,
        "PAPERWIRE_PORT": str(port),
        "PAPERWIRE_HOST": "127.0.0.1",
        "PAPERWIRE_WORKERS": "2",
        "PAPERWIRE_METRICS_TOKEN": TOKEN,
        "PAPERWIRE_PASSWORD_HASH_TIME_COST": "1",
        "PAPERWIRE_PASSWORD_HASH_MEMORY_KIB": "1024",
        # No job may reach the internet.
        "PAPERWIRE_SYNC_ARXIV_AT": "",
        "PAPERWIRE_SYNC_HF_HOURS": "0",
        "PAPERWIRE_ARXIV_API_URL": "",
        "PAPERWIRE_SMTP_HOST": "",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve"], env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"paperwire serve exited {server.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"paperwire serve did not answer in 90 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(scope="module")
def live_schema(live: str) -> Any:
    return schemathesis.openapi.from_url(f"{live}/openapi.json")


@pytest.mark.parametrize(("method", "path", "mode"), RUNS)
def test_generated_requests_get_only_documented_answers(
    live: str, live_schema: Any, web_service: Service, method: str, path: str, mode: GenerationMode
) -> None:
    # The limits live in the store the server shares: start each run with fresh budgets, so
    # that a 429 is one this run's requests earned.
    web_service.limits.reset()
    operation = live_schema[path][method]
    check_answers(operation, mode, EXAMPLES_PER_OPERATION, base_url=live, timeout=30)


def _requests_total(base: str, route: str) -> float:
    response = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "paperwire_http_requests_total" and sample.labels["route"] == route
    )


def test_metrics_sum_every_workers_counts(live: str) -> None:
    before = _requests_total(live, "/healthz")
    # New connections each time, so the kernel spreads them over both workers.
    for _ in range(40):
        assert httpx.get(f"{live}/healthz").status_code == 200
    # Whichever worker answers the scrape counts the other's requests too.
    assert [_requests_total(live, "/healthz") - before for _ in range(6)] == [40.0] * 6
    assert httpx.get(f"{live}/metrics").status_code == 401
