"""Checkpoints, job locks and request slots in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time

from paperwire.lease import JobLock
from paperwire.store import Store


def test_migrations_create_the_sync_tables(store: Store) -> None:
    from sqlalchemy import inspect

    with store.db.read() as conn:
        tables = set(inspect(conn).get_table_names())
    assert {"sync_state", "job_locks", "request_slots"} <= tables


def test_checkpoints_round_trip(store: Store) -> None:
    assert store.jobs.get_state("arxiv-oai:cs") is None
    store.jobs.put_state("arxiv-oai:cs", {"token": "726959|1001", "pages": 1})
    store.jobs.put_state("arxiv-oai:cs", {"token": "726959|2002", "pages": 2})
    store.jobs.put_state("hf-daily", {"last_day": "2026-03-02"})
    assert store.jobs.get_state("arxiv-oai:cs") == {"token": "726959|2002", "pages": 2}
    assert list(store.jobs.list_states("arxiv-oai:")) == ["arxiv-oai:cs"]
    store.jobs.delete_state("arxiv-oai:cs")
    assert store.jobs.get_state("arxiv-oai:cs") is None


def test_a_lock_has_one_holder_until_it_expires(store: Store) -> None:
    assert store.jobs.acquire_lock("sync:arxiv", "a", ttl_ms=60_000)
    assert not store.jobs.acquire_lock("sync:arxiv", "b", ttl_ms=60_000)
    assert store.jobs.acquire_lock("sync:arxiv", "a", ttl_ms=60_000)  # re-entrant for its owner
    assert store.jobs.acquire_lock("sync:hf", "b", ttl_ms=60_000)  # other jobs are independent
    info = store.jobs.lock_info("sync:arxiv")
    assert info is not None and info.owner == "a"
    store.jobs.release_lock("sync:arxiv", "b")  # not b's to release
    assert not store.jobs.acquire_lock("sync:arxiv", "b", ttl_ms=60_000)
    store.jobs.release_lock("sync:arxiv", "a")
    assert store.jobs.acquire_lock("sync:arxiv", "b", ttl_ms=60_000)


def test_an_expired_lock_is_taken_over(store: Store) -> None:
    assert store.jobs.acquire_lock("sync:arxiv", "dead", ttl_ms=50)
    time.sleep(0.1)
    assert store.jobs.acquire_lock("sync:arxiv", "alive", ttl_ms=60_000)
    assert not store.jobs.renew_lock("sync:arxiv", "dead", ttl_ms=60_000)
    assert store.jobs.renew_lock("sync:arxiv", "alive", ttl_ms=60_000)


def test_racing_processes_get_the_lock_once(store: Store) -> None:
    winners = []
    barrier = threading.Barrier(4)

    def race(owner: str) -> None:
        barrier.wait()
        if store.jobs.acquire_lock("sync:hf", owner, ttl_ms=60_000):
            winners.append(owner)

    threads = [threading.Thread(target=race, args=(f"p{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_heartbeat_keeps_a_job_lock_past_its_ttl(store: Store) -> None:
    # 1.5 s: the heartbeat renews every 0.5 s, so the lock survives a heartbeat a whole second
    # late (a loaded machine), and the test waits only until the first ttl is over.
    with JobLock(store, "sync:arxiv", ttl=1.5) as lock:
        assert lock.held
        first = store.jobs.lock_info("sync:arxiv")
        assert first is not None
        # Wait (by the store's clock, which judges expiry) until the lock, unrenewed, would
        # have expired.
        time.sleep(max(0, store.jobs.lock_remaining_ms(first)) / 1000 + 0.05)
        assert store.jobs.lock_remaining_ms(first) < 0
        renewed = store.jobs.lock_info("sync:arxiv")
        assert renewed is not None and renewed.expires_ms > first.expires_ms
        with JobLock(store, "sync:arxiv", ttl=1.5) as other:
            assert not other.held
            assert "held by" in other.describe_holder()
        lock.check()
    assert store.jobs.lock_info("sync:arxiv") is None  # released at the end


def test_request_slots_space_requests_and_allow_one_in_flight(store: Store) -> None:
    assert store.jobs.claim_slot("arxiv", lease_ms=10_000) == 0
    assert store.jobs.claim_slot("arxiv", lease_ms=10_000) > 0  # in flight
    store.jobs.release_slot("arxiv", interval_ms=600_000)
    wait = store.jobs.claim_slot("arxiv", lease_ms=10_000)
    # The whole interval but the moment between the two calls (10 s absorbs a loaded machine).
    assert 590_000 <= wait <= 600_000
    assert store.jobs.claim_slot("huggingface", lease_ms=10_000) == 0


def test_a_crashed_request_holder_blocks_only_until_its_lease(store: Store) -> None:
    assert store.jobs.claim_slot("arxiv", lease_ms=50) == 0  # and then the process dies
    time.sleep(0.1)
    assert store.jobs.claim_slot("arxiv", lease_ms=10_000) == 0
