"""Rate limits in the store: every process (here, two services with stores of their own on
one database) spends one budget, counting is atomic under concurrency, ended windows are
cleaned by the sessions job, and votes and collection changes have limits of their own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from paperwire.errors import RateLimitedError
from paperwire.ingest import import_items
from paperwire.models import Paper
from paperwire.service import Service, make_service
from paperwire.service.jobs import JobParts, job_table
from paperwire.service.limits import DEFAULT_LIMITS
from paperwire.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 12, 0, 1, tzinfo=UTC)  # just after a window starts

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def two(settings: Settings, service: Service, clock: Clock) -> Iterator[tuple[Service, Service]]:
    """Two "processes" on the migrated store: separate services, stores and connections."""
    first, second = make_service(settings, clock=clock), make_service(settings, clock=clock)
    yield first, second
    first.close()
    second.close()


def test_two_processes_share_one_budget(two: tuple[Service, Service], clock: Clock) -> None:
    first, second = two
    limit = DEFAULT_LIMITS["login"][0]
    allowed = [
        (first if i % 2 else second).limits.allow("login", "203.0.113.5") for i in range(limit + 1)
    ]
    assert allowed == [True] * limit + [False]
    assert second.limits.exhausted("login", "203.0.113.5")
    assert first.limits.allow("login", "198.51.100.1")  # another address: its own budget
    clock.now += timedelta(seconds=DEFAULT_LIMITS["login"][1])  # the next window
    assert second.limits.allow("login", "203.0.113.5")


def test_concurrent_counting_loses_nothing(two: tuple[Service, Service]) -> None:
    per_thread, threads = 15, 4

    def spend(service: Service) -> None:
        for _ in range(per_thread):
            service.limits.allow("comment", "one address")

    workers = [threading.Thread(target=spend, args=(two[i % 2],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert two[0].limits.spent("comment", "one address") == per_thread * threads


def test_the_sessions_job_forgets_ended_windows(
    two: tuple[Service, Service], clock: Clock, settings: Settings
) -> None:
    first, _ = two
    first.limits.allow("signup", "203.0.113.5")
    first.limits.allow("login", "203.0.113.5")
    parts = JobParts(
        settings,
        first.store,
        clock,
        first.search,
        first.sync,
        lambda: first.digests,
        first.limits,
    )
    (sessions,) = [job for job in job_table(parts) if job.name == "sessions"]
    sessions.run()
    assert first.limits.exhausted("login", "203.0.113.5") is False
    assert first.limits.spent("signup", "203.0.113.5") == 1
    clock.now += timedelta(hours=2)  # past the longest window (an hour)
    sessions.run()
    clock.now -= timedelta(hours=2)
    assert first.limits.spent("signup", "203.0.113.5") == 0


def test_votes_and_collection_changes_are_limited(
    two: tuple[Service, Service], clock: Clock
) -> None:
    first, second = two
    import_items(first.store, [("test", Paper(id="2401.00001", title="A paper"))])
    user = first.accounts.sign_up("alice", None, "correct horse battery")
    votes = DEFAULT_LIMITS["vote"][0]
    for i in range(votes):
        (first if i % 2 else second).community.toggle_vote(user, "2401.00001")
    with pytest.raises(RateLimitedError):
        first.community.toggle_vote(user, "2401.00001")
    changes = DEFAULT_LIMITS["collection"][0]
    for i in range(changes):
        first.community.create_collection(user, f"list {i}")
    with pytest.raises(RateLimitedError):
        second.community.create_collection(user, "one too many")
    bob = first.accounts.sign_up("bob", None, "correct horse battery")
    assert first.community.toggle_vote(bob, "2401.00001").voted  # others are not held up
    assert first.community.create_collection(bob, "mine").name == "mine"
