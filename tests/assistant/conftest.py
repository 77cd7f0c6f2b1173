"""A real ``paperwire serve`` (a subprocess on a free loopback port) over a store on SQLite or
the real PostgreSQL server, holding three real Hugging Face daily listings, two accounts with
collections, and tokens of every scope; and helpers to reach it with the MCP SDK's own client
(streamable HTTP, and stdio against ``paperwire mcp``)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp_helpers import PAPERWIRE, Served, free_port

from paperwire.models import TokenScope
from paperwire.service import make_service
from paperwire.settings import Settings

DAYS = ("2024-12-11.json", "2025-01-10.json", "2025-06-16.json")


def _pg_url(request: pytest.FixtureRequest) -> str:
    from sqlalchemy import create_engine, text

    admin_url = os.environ.get(
        "PAPERWIRE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    name = f"paperwire_mcp_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is absent: as tests/conftest.py does
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    return admin_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("mcp-store")
    url = (
        f"sqlite:///{data_dir / 'paperwire.db'}" if request.param == "sqlite" else _pg_url(request)
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(data_dir),
        "PAPERWIRE_DATABASE_URL": url,
        "PAPERWIRE_BASE_URL": base,
        "PAPERWIRE_ARXIV_API_URL": "",
        "PAPERWIRE_SYNC_ARXIV_AT": "",
        "PAPERWIRE_SYNC_HF_HOURS": "0",
        # The tests compare the server's answers with this process's service: a server
        # embedding in the background would answer related papers by meaning once it had,
        # while the service here still answers by keywords (a race, seen failing in CI).
        "PAPERWIRE_EMBED_IN_BACKGROUND": "0",
        "PAPERWIRE_PASSWORD_HASH_TIME_COST": "1",
        "PAPERWIRE_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        base_url=base,
        arxiv_api_url="",
        sync_arxiv_at="",
        sync_hf_hours=0,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )
    service = make_service(settings)
    service.init()
    days = [shared_data / "hf-daily" / "sample_days" / day for day in DAYS]
    assert service.papers.import_files(days).new == 44
    service.search.index()
    alice = service.accounts.add_user("alice", None, "alice-password-1", admin=False)
    bob = service.accounts.add_user("bob", None, "bob-password-12", admin=False)
    some = [card.paper.id for card in service.feeds.daily().cards[:3]]
    secret = service.community.create_collection(alice, "Secret reading", "mine", public=False)
    service.community.set_in_collection(alice, secret.id, some[0], True)
    shelf = service.community.create_collection(bob, "Open shelf", "for all", public=True)
    for paper_id in some[1:]:
        service.community.set_in_collection(bob, shelf.id, paper_id, True)
    tokens = {
        "alice-read": service.tokens.create(alice, "read", TokenScope.READ)[1],
        "alice-write": service.tokens.create(alice, "write", TokenScope.READ_WRITE)[1],
        "bob-write": service.tokens.create(bob, "bob", TokenScope.READ_WRITE)[1],
    }
    log = data_dir / "serve.log"
    with log.open("w") as err:
        process = subprocess.Popen(
            [PAPERWIRE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"paperwire serve did not start: {log.read_text()}")
            time.sleep(0.1)
        yield Served(base, env, service, tokens, log)
    finally:
        process.terminate()
        process.wait(timeout=20)
        service.close()
