"""Fixtures for the digest tests: a real SMTP server on loopback and a service (SQLite and
PostgreSQL, from the shared ``settings`` fixture) with the digest settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from digest_helpers import Clock, DigestService, SmtpSink, digest_settings

from paperwire.service import make_service
from paperwire.settings import Settings


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    # Monday 2 March 2026, 09:00 UTC.
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def dservice(settings: Settings, sink: SmtpSink, clock: Clock) -> Iterator[DigestService]:
    config = digest_settings(settings, smtp_host="127.0.0.1", smtp_port=sink.port)
    service = make_service(config, clock=clock)
    service.init()
    yield service
    service.close()
