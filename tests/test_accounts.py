"""Accounts in the service, on SQLite and on the real PostgreSQL server: e-mail uniqueness and
what deleting an account takes with it."""

from __future__ import annotations

from datetime import date

import pytest

from paperwire.errors import DuplicateError
from paperwire.ingest import import_items
from paperwire.models import Paper
from paperwire.service import Service

PASSWORD = "correct horse battery"
TODAY = date(2026, 11, 27)


def test_email_uniqueness_ignores_case_in_the_whole_address(service: Service) -> None:
    service.accounts.sign_up("alice", "Alice.Smith@Example.org", PASSWORD)
    with pytest.raises(DuplicateError) as refused:
        service.accounts.sign_up("bob", "alice.smith@example.org", PASSWORD)
    # Refused without confirming to a stranger that the address has an account here.
    assert "registered" not in str(refused.value)
    assert "e-mail" in str(refused.value)
    assert service.store.people.by_username("bob") is None


def _featured(paper_id: str, by: str, source: str) -> Paper:
    return Paper(
        id=paper_id,
        title=f"Paper {paper_id}",
        abstract="An abstract.",
        authors=["A. Author"],
        categories=["cs.LG"],
        submitted_by=by,
        submitted_on=TODAY,
        sources=[source],
    )


def test_deleting_an_account_anonymises_its_submissions_and_drops_its_address(
    service: Service,
) -> None:
    alice = service.accounts.sign_up("alice", "alice@example.org", PASSWORD)
    import_items(
        service.store,
        [
            ("submission", _featured("2401.00001", "alice", "community")),
            # A Hugging Face curator who happens to share the name keeps the credit.
            ("hf_daily", _featured("2401.00002", "alice", "hf_daily")),
        ],
        today=TODAY,
    )
    service.digests.subscribe("alice@example.org", "trending", user=alice)
    subscriber = service.store.subscribers.subscriber_by_key("alice@example.org")
    assert subscriber is not None and subscriber.user_id == alice.id

    service.accounts.delete_account(alice, PASSWORD)

    papers = service.store.papers.get_papers(["2401.00001", "2401.00002"])
    assert papers["2401.00001"].submitted_by is None
    assert "community" in papers["2401.00001"].sources  # still featured on its day
    assert papers["2401.00002"].submitted_by == "alice"
    assert service.store.subscribers.subscriber(subscriber.id) is None
    assert service.store.subscribers.subscriptions_of(subscriber.id) == []

    # Whoever takes the name next does not inherit the deleted member's submissions.
    service.accounts.sign_up("alice", None, PASSWORD)
    inherited = service.store.papers.papers_by_submitter("alice", limit=10)
    assert [p.id for p in inherited] == ["2401.00002"]
