"""The "For you" digest: an account's own ranking of the period's papers, mailed through a real
SMTP server on the owner's time zone and send hour, once per period; only the signed-in owner
subscribes to it, for their own address; a cold start says so in the mail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from digest_helpers import (
    DigestService,
    SmtpSink,
    paper_from,
    put_papers,
    snapshot_records,
    subscribe_and_confirm,
)

from paperwire.errors import AccountError
from paperwire.models import User

MON = date(2026, 3, 2)
EARLIER = date(2026, 2, 2)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _user(service: DigestService, name: str) -> User:
    return service.accounts.add_user(
        name, f"{name}@example.org", "correct horse battery", admin=False
    )


@pytest.fixture
def papers(dservice: DigestService, shared_data: Path) -> list[str]:
    """60 papers of an earlier day (what people liked) and 60 on Monday (the digest's)."""
    records = snapshot_records(shared_data)
    earlier = [paper_from(r, EARLIER) for r in records[:60]]
    monday = [paper_from(r, MON, upvotes=k % 7) for k, r in enumerate(records[60:120])]
    put_papers(dservice, [*earlier, *monday])
    return [p.id for p in earlier]


def test_only_the_signed_in_owner_subscribes_to_their_own(
    dservice: DigestService, sink: SmtpSink, papers: list[str]
) -> None:
    alice = _user(dservice, "alice")
    with pytest.raises(AccountError, match="sign in"):
        dservice.digests.subscribe("alice@example.org", "for_you")
    with pytest.raises(AccountError, match="your account's address"):
        dservice.digests.subscribe("someone@example.org", "for_you", user=alice)
    assert sink.received == []  # nothing mailed, nothing recorded for those
    assert dservice.store.subscribers.subscriber_by_key("someone@example.org") is None
    result = dservice.digests.subscribe("alice@example.org", "for_you", user=alice)
    assert result.mailed and result.about.startswith("Papers for you")
    # Another account cannot attach its For you to alice's address.
    bob = _user(dservice, "bob")
    with pytest.raises(AccountError):
        dservice.digests.subscribe("alice@example.org", "for_you", user=bob)


def test_the_owners_ranking_once_per_period_at_their_hour(
    dservice: DigestService, sink: SmtpSink, papers: list[str]
) -> None:
    alice = _user(dservice, "alice")
    now = _at("2026-03-01T12:00+00:00")
    for paper_id in papers[:8]:
        dservice.store.community.toggle_vote(alice.id, paper_id, now)
    subscribe_and_confirm(
        dservice,
        sink,
        "alice@example.org",
        "for_you",
        user=alice,
        timezone="Europe/Paris",
        send_hour=8,
        top_n=5,
    )
    sink.clear()
    # 07:30 in Paris: not yet; 08:05 in Paris: Monday's papers, ranked for alice.
    assert dservice.digests.run_digests(_at("2026-03-03T06:30+00:00")).due == 0
    report = dservice.digests.run_digests(_at("2026-03-03T07:05+00:00"))
    assert (report.due, report.sent, report.exit_code) == (1, 1, 0), report.summary()
    mail = sink.to("alice@example.org")[-1].message
    text = mail.get_body(("plain",)).get_content()
    assert "Papers for you" in mail["Subject"]
    # The same code as the tab: the digest carries the ranker's top 5, in its order.
    ranker = dservice.recommend.ranker(MON, MON)
    expected = [p.paper.id for p in ranker.for_user(alice.id, "alice", limit=5).picks]
    places = [text.index(f"/papers/{paper_id}") for paper_id in expected]
    assert places == sorted(places)
    assert any(reason in text for reason in ("you saved", "matches your words", "by an author of"))
    assert "once you have 3" not in text
    # Exactly once: later runs the same day send nothing more.
    assert dservice.digests.run_digests(_at("2026-03-03T09:00+00:00")).sent == 0
    assert len(sink.to("alice@example.org")) == 1


def test_a_cold_start_says_so_in_the_mail(
    dservice: DigestService, sink: SmtpSink, papers: list[str]
) -> None:
    bob = _user(dservice, "bob")
    dservice.store.community.toggle_vote(bob.id, papers[0], _at("2026-03-01T12:00+00:00"))
    subscribe_and_confirm(dservice, sink, "bob@example.org", "for_you", user=bob, send_hour=7)
    sink.clear()
    report = dservice.digests.run_digests(_at("2026-03-03T07:30+00:00"))
    assert report.sent == 1, report.summary()
    text = sink.to("bob@example.org")[-1].message.get_body(("plain",)).get_content()
    assert "once you have 3 (you have 1)" in text
