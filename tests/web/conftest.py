"""Web fixtures: one store per test module on SQLite and on PostgreSQL, holding real data (the
seven recorded Hugging Face daily-paper days and the 200-paper arXiv snapshot sample), a few
papers with hostile titles, a user with a public and a private collection; and the app on it.

The store is built once per module and database (building it per test would take minutes);
tests that change it (votes, sign-ups) undo or isolate what they do."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperwire.ingest import import_items
from paperwire.models import Paper
from paperwire.service import Service, make_service
from paperwire.settings import Settings
from paperwire.web.app import create_app

PG_ADMIN_URL = os.environ.get(
    "PAPERWIRE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BASE_URL = "https://papers.example.org"  # not the test client's host: links must use it
SNAPSHOT_DAY = date(2024, 5, 20)  # the arXiv sample's listing day, before the HF days
HOSTILE_DAY = date(2024, 1, 15)
NEWEST_DAY = date(2026, 8, 21)  # the latest recorded Hugging Face day
OWNER, PASSWORD = "alice", "correct horse battery staple"

HOSTILE_TITLE = '<script>alert(1)</script> & "quotes" \x01 ]]> TeX $a<b$'
HOSTILE_PAPERS = [
    Paper(
        id="2401.99901",
        title=HOSTILE_TITLE,
        abstract="We show x < y && y > z for \\alpha\x0b; <b>not bold</b> &amp; ]]> \x1f end.",
        authors=["Mallory <m@example.org>", "Ève & Sons"],
        categories=["cs.CR"],
        published=datetime(2024, 1, 12, 17, 30, tzinfo=UTC),
        first_seen=HOSTILE_DAY,
        upvotes=3,
        submitted_by="mallory",
        submitted_on=HOSTILE_DAY,
    ),
    Paper(
        id="2401.99902",
        title="Non-characters \ufffe\uffff and a form feed \x0c in a title",
        abstract="Fine text with an emoji 🧪, a NEL \x85 and a DEL \x7f.",
        authors=["Mallory <m@example.org>"],
        categories=["cs.CR"],
        first_seen=HOSTILE_DAY,
        submitted_on=HOSTILE_DAY,
    ),
]
OLD_STYLE_ID = "hep-th/9901001"  # ids of this form hold a slash
OLD_STYLE = Paper(
    id=OLD_STYLE_ID,
    title="Branes, strings and an identifier with a slash",
    abstract="An old-style arXiv identifier travels through paths and links.",
    authors=["A. Physicist"],
    categories=["hep-th"],
    published=datetime(1999, 1, 4, 12, 0, tzinfo=UTC),
    first_seen=date(1999, 1, 5),
)


@dataclass(frozen=True)
class WebData:
    """What the web fixtures put in the store, for tests to check against (test modules
    cannot import a conftest)."""

    base_url: str = BASE_URL
    newest_day: date = NEWEST_DAY
    owner: str = OWNER
    password: str = PASSWORD
    public_slug: str = "reading-list"
    public_ids: tuple[str, ...] = ("2608.19880", "2401.99901")
    private_slug: str = "secret-plans"
    hostile: tuple[Paper, ...] = tuple(HOSTILE_PAPERS)
    old_style_id: str = OLD_STYLE_ID


@pytest.fixture(scope="session")
def web_data() -> WebData:
    return WebData()


@pytest.fixture(scope="session")
def web_pg_url() -> Iterator[str]:
    """A database of the web tests' own on the real server, so that the function-scoped
    fixtures of other tests never reset it under a module's feet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"paperwire_web_{uuid.uuid4().hex[:8]}"
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
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('web-db') / 'paperwire.db'}"
    from sqlalchemy import create_engine, text

    url: str = request.getfixturevalue("web_pg_url")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def web_settings(web_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("web-data"),
        database_url=web_database_url,
        base_url=BASE_URL,
        import_batch_size=500,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )


@pytest.fixture(scope="module")
def web_service(web_settings: Settings, shared_data: Path) -> Iterator[Service]:
    service = make_service(web_settings)
    service.init()
    days = sorted((shared_data / "hf-daily" / "sample_days").glob("*.json"))
    assert service.papers.import_files(days).problem_count == 0
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    assert service.papers.import_files([snapshot], today=SNAPSHOT_DAY).new == 200
    extra = [*HOSTILE_PAPERS, OLD_STYLE]
    import_items(service.store, [("test", p) for p in extra], today=HOSTILE_DAY)
    owner = service.accounts.sign_up(OWNER, None, PASSWORD)
    public = service.community.create_collection(
        owner, "Reading list", "Agents & <worlds>", public=True
    )
    private = service.community.create_collection(owner, "Secret plans", "", public=False)
    for paper_id in WebData.public_ids:
        service.community.set_in_collection(owner, public.id, paper_id, True)
    service.community.set_in_collection(owner, private.id, "2608.19880", True)
    service.search.index()
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(web_service: Service) -> Iterator[TestClient]:
    """The app on the module's store, its lifespan run (as ``with TestClient(...)`` does)."""
    with TestClient(create_app(web_service.settings, web_service)) as test_client:
        yield test_client
