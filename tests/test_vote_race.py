"""Concurrent vote toggles of one user, from two "processes" (services with stores of their
own on one database): each answer tells the outcome of its own toggle, and the answers add up
to what the store holds. On PostgreSQL two toggles used to both answer "voted" while the
store held one vote."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from paperwire.ingest import import_items
from paperwire.models import Paper, User
from paperwire.service import Service, make_service
from paperwire.settings import Settings

PAPER = "2401.00001"
ROUNDS, THREADS = 12, 4  # 48 toggles: inside one user's vote budget (60 in 10 minutes)


@pytest.fixture
def two(settings: Settings, service: Service) -> Iterator[tuple[Service, Service]]:
    import_items(service.store, [("test", Paper(id=PAPER, title="A paper"))])
    first, second = make_service(settings), make_service(settings)
    yield first, second
    first.close()
    second.close()


def toggle_at_once(services: tuple[Service, Service], user: User) -> list[bool]:
    """THREADS toggles started together, alternating between the two services; their answers."""
    start = threading.Barrier(THREADS)
    answers: list[bool] = []
    lock = threading.Lock()

    def toggle(service: Service) -> None:
        start.wait()
        card = service.community.toggle_vote(user, PAPER)
        with lock:
            answers.append(card.voted)

    workers = [threading.Thread(target=toggle, args=(services[i % 2],)) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def test_each_concurrent_toggle_answers_its_own_outcome(two: tuple[Service, Service]) -> None:
    user = two[0].accounts.sign_up("alice", None, "correct horse battery")
    half = THREADS // 2
    for round_no in range(ROUNDS):
        answers = toggle_at_once(two, user)
        # An even number of toggles from "not voted": serialised, they alternate, so half
        # answer "voted" and half "not voted", and the store ends where it began.
        assert sorted(answers) == [False] * half + [True] * half, f"round {round_no}: {answers}"
        (card,) = two[0].cards([two[0].papers.get(PAPER)], user)
        assert card.voted is False, f"round {round_no}: the store kept a vote"
        assert card.upvotes == 0
