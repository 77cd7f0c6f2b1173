"""The pure parts: when digests are due, what a composed mail says, signed tokens, and what a
visitor may subscribe with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest

from paperwire.digest import periods
from paperwire.digest.compose import compose_digest
from paperwire.digest.model import DigestItem, Links, Period, Subscription
from paperwire.digest.rules import check_address, check_follow
from paperwire.digest.smtp import message_bytes
from paperwire.digest.tokens import Tokens
from paperwire.errors import AccountError, ExpiredTokenError, TokenError
from paperwire.models import Paper


def _sub(**kw: object) -> Subscription:
    values: dict[str, object] = dict(
        id=7,
        subscriber_id=3,
        kind="topic",
        value="retrieval augmented generation",
        frequency="daily",
        send_hour=7,
        top_n=10,
        status="active",
        paused=False,
        covered_through=date(2026, 3, 1),
        last_sent_through=date(2026, 3, 1),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    values.update(kw)
    return Subscription(**values)  # type: ignore[arg-type]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("now", "zone", "frequency", "end"),
    [
        ("2026-03-03T06:59+00:00", "UTC", "daily", date(2026, 3, 1)),
        ("2026-03-03T07:00+00:00", "UTC", "daily", date(2026, 3, 2)),
        ("2026-03-02T22:30+00:00", "Asia/Tokyo", "daily", date(2026, 3, 2)),  # 07:30 Tue
        ("2026-03-08T12:30+00:00", "America/New_York", "daily", date(2026, 3, 7)),  # DST day
        ("2026-03-02T06:59+00:00", "UTC", "weekly", date(2026, 2, 22)),
        ("2026-03-02T07:00+00:00", "UTC", "weekly", date(2026, 3, 1)),
        ("2026-03-07T12:00+00:00", "UTC", "weekly", date(2026, 3, 1)),
    ],
)
def test_due_period_end(now: str, zone: str, frequency: str, end: date) -> None:
    assert periods.due_period_end(_at(now), zone, frequency, 7) == end


def test_window_reaches_back_by_grace_and_label_covers_empty_days() -> None:
    sub = _sub(covered_through=date(2026, 3, 1), last_sent_through=date(2026, 2, 26))
    assert periods.window(sub, date(2026, 3, 2), 3) == (date(2026, 2, 26), date(2026, 3, 2))
    assert periods.period(sub, date(2026, 3, 2), 3).start == date(2026, 2, 27)
    assert periods.next_send(_at("2026-03-04T08:00+00:00"), "UTC", "weekly", 7) == datetime(
        2026, 3, 9, 7, tzinfo=periods.zone("UTC")
    )


def _digest(title: str = "Title", value: str = "retrieval augmented generation") -> bytes:
    paper = Paper(
        id="2401.00001",
        title=title,
        abstract="An abstract. " * 60,
        authors=[f"Author {i}" for i in range(9)],
        first_seen=date(2026, 3, 2),
    )
    links = Links(
        "https://p.example.org",
        "https://p.example.org/u?token=a",
        "https://p.example.org/p?token=b",
        "https://p.example.org/f/c.xml",
    )
    mail = compose_digest(
        to="r@example.org",
        subscription=_sub(value=value),
        period=Period(date(2026, 3, 2), date(2026, 3, 2), "daily"),
        items=[DigestItem(paper, 12, f"matched “{value}”")],
        links=links,
        mail_from="paperwire <digest@p.example.org>",
        sent_at=datetime(2026, 3, 3, 7, tzinfo=UTC),
    )
    return message_bytes(mail)


def test_composed_digest_parses_back_with_headers_parts_and_escaping() -> None:
    raw = _digest(title="<script>alert(1)</script> & friends", value="tést\r\nBcc: x@y.org")
    assert raw == _digest(title="<script>alert(1)</script> & friends", value="tést\r\nBcc: x@y.org")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Bcc"] is None and "tést Bcc: x@y.org" in msg["Subject"]
    assert msg["Message-ID"] == "<digest-7-20260302@p.example.org>"
    assert msg["List-Id"] == "<s7.digest.p.example.org>"
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html and "<script" not in html
    assert "<script>alert(1)</script> & friends" in text  # plain text is not HTML
    assert "and 3 more" in text and " …" in text  # 6 authors shown, abstract cut
    # (values are checked for control characters when subscribing; here only the header is)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_tokens_refuse_tampering_other_purposes_and_expiry() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    clock = [now]
    tokens = Tokens(b"secret", lambda: clock[0])
    confirm = tokens.confirm(1, "a@example.org", 2)
    assert tokens.read_confirm(confirm) == (1, "a@example.org", 2)
    with pytest.raises(TokenError):
        tokens.read_manage(confirm)
    with pytest.raises(TokenError):
        tokens.read_confirm(confirm[:-2] + "xx")
    with pytest.raises(TokenError):
        Tokens(b"other", lambda: now).read_confirm(confirm)
    clock[0] = now + timedelta(days=7, seconds=1)
    with pytest.raises(ExpiredTokenError):
        tokens.read_confirm(confirm)
    assert tokens.read_manage(tokens.manage(1, "a@example.org")) == (1, "a@example.org")


def test_addresses_and_values_a_visitor_may_send() -> None:
    assert check_address(" Bob@Bücher.Example ") == (
        "Bob@xn--bcher-kva.example",
        "bob@xn--bcher-kva.example",
    )
    for bad in ("a@b.org\r\nBcc: c@d.org", "a" * 250 + "@b.org", "a,b@c.org", "ü@b.org"):
        with pytest.raises(AccountError):
            check_address(bad)
    assert check_follow("category", "cat:cs.CL") == "cs.CL"
    assert check_follow("collection", "/alice/reading-list/") == "alice/reading-list"
    assert check_follow("topic", "  retrieval   augmented ") == "retrieval augmented"
    for kind, value in (
        ("topic", "since:2025-13"),
        ("topic", "a\x00b"),
        ("category", "x y"),
        ("collection", "alice"),
        ("mystery", "x"),
    ):
        with pytest.raises(AccountError):
            check_follow(kind, value)
