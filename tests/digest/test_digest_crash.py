"""Exactly once across crashes: a real sender process is killed with SIGKILL in the middle of
a run of due digests, twice (once between claim and the final dot, once right after the
server took a message but before the sender recorded it), then rerun to completion. Every
subscriber gets exactly one message for the period."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from digest_helpers import SmtpSink, digest_settings, trending_readers

from paperwire.service import make_service
from paperwire.settings import Settings

HERE = Path(__file__).parent
# How few subscribers still prove it: each kill comes from inside the SMTP server's handler
# while the sender waits for its reply, so it lands at an exact message whatever the count; the
# count only has to leave every run deliveries on both sides of its crash, some sent and some
# not. Run 1 sends FIRST_KILL digests, then dies in the RCPT of the next one (a "claimed" row,
# dropped by the server, that the restart must take again). Run 2 skips those, sends the
# claimed one and one more, and dies once the server has taken its SECOND_KILL_AFTER-th message
# but before the sender heard "250" (a "sending" row the restart must count as sent). Run 3
# resolves that row and sends the last two. Two sent digests before each crash and two after
# the last, so no run passes by treating the first or last subscription specially; more
# subscribers exercise nothing more (500 or 7, they are walked in one page).
FIRST_KILL = 2
SECOND_KILL_AFTER = 3
SUBSCRIBERS = FIRST_KILL + SECOND_KILL_AFTER + 2
MON = date(2026, 3, 2)
NOW = "2026-03-03T08:00:00+00:00"


def _run_killed_at(sink: SmtpSink, config: str, hook: str, at: int) -> int:
    """Start the sender; SIGKILL it from the server's ``hook`` once ``at`` messages arrived."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "digest_runner.py"), config, NOW],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    fired = threading.Event()

    def kill(count: int) -> None:
        if count >= at and not fired.is_set():
            fired.set()
            os.kill(proc.pid, signal.SIGKILL)

    setattr(sink.handler, hook, kill)
    try:
        output, _ = proc.communicate(timeout=120)
    finally:
        setattr(sink.handler, hook, None)
    assert fired.is_set(), f"the run ended before it was killed:\n{output}"
    assert proc.returncode == -signal.SIGKILL, output
    return len(sink.received)


@pytest.mark.slow  # three sender processes and two lock expiries: about 5 s
def test_sigkill_mid_run_then_restart_delivers_exactly_once(
    settings: Settings, sink: SmtpSink, shared_data: Path
) -> None:
    config = digest_settings(
        settings, smtp_host="127.0.0.1", smtp_port=sink.port, digest_lock_ttl=1.5
    )
    service = make_service(config)
    service.init()
    trending_readers(service, shared_data, MON, SUBSCRIBERS)
    service.close()
    values = {
        k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(config).items()
    }
    as_json = json.dumps(values)

    # 1: killed while sending message FIRST_KILL + 1 (its row is "claimed"; the server drops it).
    first = _run_killed_at(sink, as_json, "on_rcpt", FIRST_KILL)
    # 2: killed after the server took a message, before the sender heard "250" (its row is
    #    "sending"): the restart must count it as sent, not send it again.
    second = _run_killed_at(sink, as_json, "on_data", first + SECOND_KILL_AFTER)
    assert (first, second) == (FIRST_KILL, FIRST_KILL + SECOND_KILL_AFTER)
    done = subprocess.run(
        [sys.executable, str(HERE / "digest_runner.py"), as_json, NOW],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resolved" in done.stdout  # the "sending" row of the second kill

    counts = sink.per_recipient()
    assert len(counts) == SUBSCRIBERS
    assert set(counts.values()) == {1}, {a: n for a, n in counts.items() if n != 1}
    ids = [r.message["Message-ID"] for r in sink.received]
    assert len(set(ids)) == SUBSCRIBERS
    check = make_service(config)
    assert check.store.deliveries.state_counts(date(2026, 1, 1)) == {"sent": SUBSCRIBERS}
    # And a fourth run finds nothing left to do.
    assert check.digests.run_digests(datetime.fromisoformat(NOW)).due == 0
    check.close()


pytestmark = pytest.mark.timeout(240)
