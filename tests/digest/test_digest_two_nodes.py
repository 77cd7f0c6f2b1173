"""Two nodes run the digest job at the same moment (issue 14): two real sender processes on
one PostgreSQL and one loopback SMTP server; every subscriber gets exactly one message."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from digest_helpers import SmtpSink, digest_settings, trending_readers

from paperwire.service import make_service
from paperwire.settings import Settings

HERE = Path(__file__).parent
SUBSCRIBERS = 8
MON = date(2026, 3, 2)
NOW = "2026-03-03T08:00:00+00:00"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_digest_runs_at_once_send_each_mail_once(
    settings: Settings, sink: SmtpSink, shared_data: Path
) -> None:
    config = digest_settings(
        settings, smtp_host="127.0.0.1", smtp_port=sink.port, digest_lock_ttl=2.0
    )
    service = make_service(config)
    service.init()
    trending_readers(service, shared_data, MON, SUBSCRIBERS)
    service.close()
    values = {
        k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(config).items()
    }
    # A slow server keeps the first run busy while the second starts.
    sink.handler.on_data = lambda _count: time.sleep(0.2)
    runs = [
        subprocess.Popen(
            [sys.executable, str(HERE / "digest_runner.py"), json.dumps(values), NOW],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    counts = sink.per_recipient()
    assert len(counts) == SUBSCRIBERS
    assert set(counts.values()) == {1}, counts
    assert len({r.message["Message-ID"] for r in sink.received}) == SUBSCRIBERS
    check = make_service(config)
    assert check.store.deliveries.state_counts(date(2026, 1, 1)) == {"sent": SUBSCRIBERS}
    check.close()
