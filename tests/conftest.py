"""Shared fixtures: real stores on SQLite (a file) and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.service import Service, make_service
from paperwire.settings import Settings
from paperwire.store import Store

PG_ADMIN_URL = os.environ.get(
    "PAPERWIRE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = Path(os.environ.get("PAPERWIRE_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent (set PAPERWIRE_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away database on the real server; a missing server fails the run under CI."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"paperwire_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'paperwire.db'}"
    url: str = request.getfixturevalue("postgresql_url")
    return url


@pytest.fixture
def postgresql_url(pg_database: str) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    _reset_pg(pg_database)
    return pg_database


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # No test may reach the internet: sources point nowhere, submitting works offline.
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        import_batch_size=50,
        arxiv_api_url="",
        arxiv_oai_url="http://127.0.0.1:9/oai",
        hf_api_url="http://127.0.0.1:9/api",
        sync_arxiv_at="",
        sync_hf_hours=0,
        # Argon2id at its cheapest: the real cost is ~0.5 s of CPU per hash or check here, and
        # tests log in hundreds of times. Still argon2id, verified the same way.
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    svc = make_service(settings)
    svc.init()
    yield svc
    svc.close()


@pytest.fixture
def store(service: Service) -> Store:
    return service.store
