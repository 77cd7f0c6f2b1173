"""Helpers for the digest tests: a real SMTP server on loopback (aiosmtpd) that records what it
receives and can misbehave on demand, settings with the digest fields, a settable clock, and
real arXiv papers placed on chosen feed days."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from paperwire.models import Paper
from paperwire.service import Service
from paperwire.settings import Settings

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"


# The Service holds the digest part; the alias keeps the tests' vocabulary.
DigestService = Service


@dataclass(frozen=True)
class DigestSettings(Settings):
    """Settings with test-friendly digest defaults (short timeouts and retries, no rate limit)."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 2.0
    smtp_rate_per_second: float = 0.0
    mail_from: str = "paperwire <digest@papers.example.org>"
    digest_top_n: int = 10
    digest_hour: int = 7
    digest_grace_days: int = 3
    topic_min_similarity: float = 0.35
    digest_retry_seconds: float = 0.01
    digest_max_failures: int = 3
    digest_lock_ttl: float = 5.0
    digest_every_minutes: float = 5.0
    digest_notices_per_hour: int = 3


def digest_settings(base: Settings, **overrides: Any) -> DigestSettings:
    # Every field above is a field of Settings too: copying it from ``base`` would put back the
    # production default (a 30 s timeout, 1 s retries, 10 mails a second) over the test one.
    own = DigestSettings.__annotations__
    values = {
        f.name: getattr(base, f.name) for f in dataclasses.fields(Settings) if f.name not in own
    }
    values.update(base_url="https://papers.example.org", secret_key="test-secret")
    values.update(overrides)
    return DigestSettings(**values)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.value = now

    def __call__(self) -> datetime:
        return self.value

    def set(self, text: str) -> datetime:
        self.value = datetime.fromisoformat(text).astimezone(UTC)
        return self.value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Faults:
    """Misbehaviour, consumed in order. Replies are full SMTP lines such as "451 4.3.0 later"."""

    mail_delays: list[float] = field(default_factory=list)  # seconds to stall MAIL FROM
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)  # address -> next replies
    rcpt_always: dict[str, str] = field(default_factory=dict)  # address -> reply every time
    data_replies: list[str] = field(default_factory=list)  # replies to the final dot
    data_delays: list[float] = field(default_factory=list)  # stall after the final dot


class Handler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.faults = Faults()
        self.lock = threading.Lock()
        self.on_rcpt: Callable[[int], None] | None = None  # called with the count so far
        self.on_data: Callable[[int], None] | None = None

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.faults.mail_delays:
            await asyncio.sleep(self.faults.mail_delays.pop(0))
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.on_rcpt is not None:
            self.on_rcpt(len(self.received))
        if address in self.faults.rcpt_always:
            return self.faults.rcpt_always[address]
        queue = self.faults.rcpt_replies.get(address)
        if queue:
            return queue.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.faults.data_replies:
            return self.faults.data_replies.pop(0)
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)
                )
            )
            count = len(self.received)
        if self.on_data is not None:
            self.on_data(count)
        if self.faults.data_delays:
            await asyncio.sleep(self.faults.data_delays.pop(0))
        return "250 Message accepted"


class SmtpSink:
    """aiosmtpd on 127.0.0.1; ``stop()`` makes the port refuse connections, ``start()`` again
    brings it back on the same port."""

    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def per_recipient(self) -> Counter[str]:
        return Counter(a for r in self.received for a in r.recipients)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()


# -- content ---------------------------------------------------------------------------------
def snapshot_records(shared_data: Path) -> list[dict[str, Any]]:
    lines = (shared_data / SNAPSHOT).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def paper_from(
    record: dict[str, Any], day: date, upvotes: int | None = None, new_id: str | None = None
) -> Paper:
    authors = [
        a.strip() for a in re.split(r",| and ", record["authors"].replace("\n", " ")) if a.strip()
    ]
    return Paper(
        id=new_id or record["id"],
        title=" ".join(record["title"].split()),
        abstract=" ".join(record["abstract"].split()),
        authors=authors,
        categories=record["categories"].split(),
        first_seen=day,
        upvotes=upvotes,
        sources=["test"],
    )


def put_papers(service: Service, papers: Iterable[Paper]) -> None:
    batch = list(papers)
    service.store.papers.update_papers([p.id for p in batch], lambda _existing: batch)
    service.search.index()


# -- mails -----------------------------------------------------------------------------------
def links(message: EmailMessage) -> list[str]:
    part = message.get_body(("plain",))
    assert part is not None
    return re.findall(r"https?://\S+", part.get_content())


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def confirm_link(message: EmailMessage) -> str:
    found = [u for u in links(message) if "/digest/confirm?" in u]
    assert len(found) == 1, found
    return found[0]


def subscribe_and_confirm(
    service: DigestService, sink: SmtpSink, email: str, kind: str, value: str = "", **kw: Any
) -> int:
    service.digests.subscribe(email, kind, value, **kw)
    mail = sink.to(email.lower() if "@" in email else email)[-1].message
    state = service.digests.confirm(token_of(confirm_link(mail)))
    assert state.state == "confirmed", state
    subscriber = service.store.subscribers.subscriber_by_key(email.lower())
    assert subscriber is not None
    return subscriber.id


def trending_readers(service: Service, shared_data: Path, day: date, readers: int) -> None:
    """20 real papers listed on ``day`` and ``readers`` confirmed daily trending subscribers
    (reader000@example.org, ...), mailed at 07:00 UTC: what the crash and two-sender tests
    send to."""
    records = snapshot_records(shared_data)
    put_papers(service, [paper_from(r, day, upvotes=1 + i % 7) for i, r in enumerate(records[:20])])
    store = service.store
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for i in range(readers):
        address = f"reader{i:03d}@example.org"
        subscriber = store.subscribers.get_or_create_subscriber(address, address, "UTC", None, now)
        sub, _ = store.subscribers.find_or_add_subscription(
            subscriber.id,
            kind="trending",
            value="",
            frequency="daily",
            send_hour=7,
            top_n=5,
            now=now,
        )
        store.subscribers.confirm(subscriber.id, sub.id, now, date(2026, 3, 1))
