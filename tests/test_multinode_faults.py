"""Faults of a deployment on PostgreSQL (issue 14), with real processes and the real server.

- The database's connections cut (``pg_terminate_backend`` on the test database: what a
  restart of PostgreSQL does to the nodes, without stopping the server others share): a
  `paperwire serve` with two workers answers 503 with a clear message while its connections
  are gone, never a 500 or a dropped connection, keeps its workers, and reconnects by itself.
- The database down for a while (its connections cut and new ones refused with
  ``ALLOW_CONNECTIONS false``, as while a server restarts): 503s (``/healthz`` too) for as long
  as it lasts, then every request succeeds again at once, with the same workers.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from nodes_helpers import FAULT_ROUTES as ROUTES
from nodes_helpers import get_status, serve_snapshot, stop, worker_pids

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _admin(pg_url: str) -> tuple[Any, str]:
    """An engine on the server's ``postgres`` database, and the test database's name."""
    from sqlalchemy import create_engine

    base, name = pg_url.rsplit("/", 1)
    return create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT"), name


def _terminate_connections(pg_url: str) -> int:
    """End every session on the test database; how many."""
    from sqlalchemy import text

    engine, name = _admin(pg_url)
    try:
        with engine.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = :name"
                ),
                {"name": name},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(ended)


def _allow_connections(pg_url: str, allow: bool) -> None:
    """Let the test database accept new connections, or refuse them."""
    from sqlalchemy import text

    engine, name = _admin(pg_url)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}'))
    finally:
        engine.dispose()


def test_cut_connections_cost_503s_only_while_cut_and_workers_reconnect(
    postgresql_url: str, tmp_path: Path, shared_data: Path
) -> None:
    proc, base, workers = serve_snapshot(postgresql_url, tmp_path, shared_data)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            # Warm every worker's pool: many requests, both workers answer some.
            for _ in range(20):
                assert {get_status(client, route)[0] for route in ROUTES} == {200}

            # 1. Cut while idle: the next requests find dead pooled connections and must
            #    replace them without failing (the database itself never went away).
            assert _terminate_connections(postgresql_url) >= 1
            after_idle = Counter(
                get_status(client, route)[0] for _ in range(10) for route in ROUTES
            )
            assert after_idle == {200: 10 * len(ROUTES)}, after_idle

        # 2. Cut under load, three times: only 200s and clear 503s, no worker lost.
        stop_load = threading.Event()
        seen: list[tuple[int, str]] = []

        def load() -> None:
            with httpx.Client(base_url=base, timeout=30) as own:
                while not stop_load.is_set():
                    for route in ROUTES:
                        seen.append(get_status(own, route))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(3):
                time.sleep(1.0)
                _terminate_connections(postgresql_url)
            time.sleep(1.0)
        finally:
            stop_load.set()
            for thread in threads:
                thread.join(60)
        statuses = Counter(status for status, _ in seen)
        assert set(statuses) <= {200, 503}, [s for s in seen if s[0] not in (200, 503)][:3]
        assert statuses[200] > 0
        for status, body in seen:
            if status == 503:
                retry_after, message = body.split(" ", 1)
                assert retry_after == "5" and "database" in message.lower(), body
        assert proc.poll() is None and worker_pids(proc.pid) == workers

        # 3. Afterwards every request succeeds again.
        with httpx.Client(base_url=base, timeout=30) as client:
            final = Counter(get_status(client, route)[0] for _ in range(10) for route in ROUTES)
        assert final == {200: 10 * len(ROUTES)}, final

        # 4. Down for a while: new connections refused, the old ones cut.
        with httpx.Client(base_url=base, timeout=30) as client:
            _allow_connections(postgresql_url, False)
            try:
                _terminate_connections(postgresql_url)
                down = [get_status(client, route) for _ in range(4) for route in ROUTES]
                assert {status for status, _ in down} <= {200, 503}, down[:3]
                health = [get_status(client, "/healthz") for _ in range(4)]
                assert {status for status, _ in health} == {503}, health
                assert all(body.startswith("5 ") for _, body in health)
            finally:
                _allow_connections(postgresql_url, True)
            back = Counter(get_status(client, route)[0] for _ in range(10) for route in ROUTES)
        assert back == {200: 10 * len(ROUTES)}, back
        assert proc.poll() is None and worker_pids(proc.pid) == workers
    finally:
        stop([proc])
