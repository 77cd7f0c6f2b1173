"""Fixtures for the sync tests: the local replay server and configs pointing at it.

No test touches the internet: every base URL is the replay server on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sync_replay import MakeConfig, ReplayServer, three_pages

from paperwire.sync import SyncConfig

# Fast defaults for tests: no politeness delay unless a test asks for one, short timeouts,
# millisecond backoff. The real defaults (3 s, 60 s, ...) are SyncConfig's.
FAST = {
    "contact_email": "ops@example.org",
    "arxiv_delay": 0.0,
    "hf_delay": 0.0,
    "http_timeout": 2.0,
    "budget_seconds": 20.0,
    "max_retries": 4,
    "backoff_seconds": 0.05,
    "backoff_cap_seconds": 0.2,
    "lock_ttl_seconds": 5.0,
    "batch_size": 50,
}


@pytest.fixture
def replay(shared_data: Path) -> Iterator[ReplayServer]:
    server = ReplayServer(shared_data).start()
    server.oai_pages.update(three_pages(shared_data))
    yield server
    server.stop()


@pytest.fixture
def make_config(replay: ReplayServer) -> MakeConfig:
    def make(**overrides: Any) -> SyncConfig:
        config = SyncConfig(
            arxiv_oai_url=replay.oai_url,
            arxiv_api_url=replay.api_url,
            hf_api_url=replay.hf_url,
            **FAST,  # type: ignore[arg-type]
        )
        return dataclasses.replace(config, **overrides)

    return make
