"""A harvest killed with SIGKILL in the middle resumes from its checkpoint and ends with
exactly the store an uninterrupted harvest builds (a real subprocess, a real signal)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import date
from typing import Any

from sync_replay import IDS_A, TOKEN_A, MakeConfig, ReplayServer

from paperwire.store import Store
from paperwire.sync import EXIT_CHANGED, EXIT_UNCHANGED, run_sync
from paperwire.sync.oai import state_name

TODAY = date(2026, 11, 27)
# The child renews its lock every LOCK_TTL / 3 s, so after the kill the lock lives on for at
# least 2/3 of it: the "skipped" check right after the kill has over a second to happen in.
LOCK_TTL = 2.0
# The child harvests with arXiv's real 3 s politeness delay, so it is killed while it waits to
# ask for page 2, after page 1 and its checkpoint are committed.
CHILD = """
import json, sys
from datetime import date
from paperwire.store import Store
from paperwire.sync import SyncConfig, run_sync

url, oai_url, ttl = sys.argv[1], sys.argv[2], float(sys.argv[3])
config = SyncConfig(arxiv_oai_url=oai_url, lock_ttl_seconds=ttl,
                    contact_email="ops@example.org", batch_size=50)
report = run_sync(Store(url), config, "arxiv", today=date(2026, 11, 27))
print(json.dumps(report.to_dict()))
sys.exit(report.exit_code)
"""


def snapshot(store: Store) -> dict[str, Any]:
    """Every stored row the harvest is responsible for, in a comparable form."""
    with store.db.read() as conn:
        papers = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM papers ORDER BY id")]
        seq = conn.exec_driver_sql("SELECT value FROM counters WHERE name = 'paper_seq'")
        return {
            "papers": papers,
            "paper_seq": seq.scalar_one(),
            "checkpoint": store.jobs.get_state(state_name(None)),
        }


def wipe(store: Store) -> None:
    with store.db.write() as conn:
        for table in ("papers", "sync_state", "job_locks", "request_slots"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql("UPDATE counters SET value = 0 WHERE name = 'paper_seq'")


def test_killed_harvest_resumes_and_ends_like_an_uninterrupted_one(
    store: Store, replay: ReplayServer, make_config: MakeConfig
) -> None:
    config = make_config(lock_ttl_seconds=LOCK_TTL)
    assert run_sync(store, config, "arxiv", today=TODAY).ok
    expected = snapshot(store)
    assert len(expected["papers"]) == 12
    wipe(store)
    replay.hits.clear()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store.url, replay.oai_url, str(LOCK_TTL)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while (store.jobs.get_state(state_name(None)) or {}).get("pages") != 1:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never stored its first page"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    killed = snapshot(store)
    assert [row[0] for row in killed["papers"]] == sorted(IDS_A)
    assert killed["checkpoint"]["token"] == TOKEN_A
    assert len(replay.hits_on("/oai")) == 1

    # Its lock outlives it until the ttl runs out: a run now is skipped, not doubled.
    early = run_sync(store, config, "arxiv", today=TODAY)
    assert early.jobs[0].skipped and early.exit_code == EXIT_UNCHANGED
    held = store.jobs.lock_info("sync:arxiv")
    assert held is not None
    time.sleep(max(0, store.jobs.lock_remaining_ms(held)) / 1000 + 0.05)  # by the store's clock

    resumed = run_sync(store, config, "arxiv", today=TODAY)
    assert resumed.exit_code == EXIT_CHANGED, json.dumps(resumed.to_dict())
    assert resumed.jobs[0].pages == 2  # page 1 was not fetched again
    assert replay.hits_on("/oai")[1].params == {
        "verb": "ListRecords",
        "resumptionToken": TOKEN_A,
    }
    assert snapshot(store) == expected
