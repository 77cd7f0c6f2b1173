"""Real-browser fixtures: paperwire served by uvicorn (in a thread, on a free loopback port)
over a SQLite store holding real data, driven by Playwright's Python package with Debian's
Chromium.

Without /usr/bin/chromium the tests skip with a message, except under CI, where a missing
browser fails the run: CI installs it, so its absence is a broken build, not a choice."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("PAPERWIRE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
SNAPSHOT_DAY = date(2007, 5, 1)  # the arXiv snapshot papers carry no listing date


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium); "
        "under CI a missing browser fails instead"
    )
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[tuple[str, object]]:
    """(base URL, app) of a running paperwire: 7 real Hugging Face daily listings and 200 real
    arXiv snapshot papers, argon2 at its cheapest parameters (the sign-ups stay fast)."""
    import uvicorn

    from paperwire.service import make_service
    from paperwire.settings import Settings
    from paperwire.web.app import create_app

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("browser-store")
    settings = Settings(
        data_dir=data_dir, base_url=base, password_hash_time_cost=1, password_hash_memory_kib=1024
    )
    seed = make_service(settings)
    seed.init()
    days = sorted((shared_data / "hf-daily" / "sample_days").glob("*.json"))
    assert seed.papers.import_files(days).new > 100
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    assert seed.papers.import_files([snapshot], today=SNAPSHOT_DAY).new == 200
    seed.close()

    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the paperwire server did not start")
        time.sleep(0.05)
    try:
        yield base, app
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}, and CI is set: install it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(live_server: tuple[str, object]) -> None:
    """Each test starts with empty rate-limit windows (they sign up several accounts)."""
    live_server[1].state.limiter.reset()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
