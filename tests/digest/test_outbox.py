"""The local outbox (mail_transport = outbox), end to end through the real app: subscribe,
open the confirmation mail on /admin/outbox, follow its link, confirm, run the digest job and
read the digest there, all through the same delivery log as SMTP. Without any mail transport
the subscribe page says so and records nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from digest_helpers import (
    Clock,
    DigestService,
    digest_settings,
    paper_from,
    put_papers,
    snapshot_records,
)
from fastapi.testclient import TestClient

from paperwire.service import make_service
from paperwire.service.jobs import JobParts, job_table
from paperwire.settings import Settings
from paperwire.web.app import create_app

MON = date(2026, 3, 2)
BASE = "https://testserver"


def _service(settings: Settings, clock: Clock, transport: str) -> DigestService:
    config = digest_settings(settings, mail_transport=transport, base_url=BASE)
    service = make_service(config, clock=clock)
    service.init()
    return service


@pytest.fixture
def outbox_service(settings: Settings, clock: Clock) -> Iterator[DigestService]:
    service = _service(settings, clock, "outbox")
    yield service
    service.close()


def _client(service: DigestService) -> TestClient:
    app = create_app(service.settings, service=service)
    return TestClient(app, base_url=BASE, follow_redirects=False)


def _csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def _log_in(client: TestClient, username: str) -> None:
    response = client.post(
        "/login",
        data={
            "csrf_token": _csrf(client, "/login"),
            "username": username,
            "password": "a long password",
            "next": "/",
        },
    )
    assert response.status_code == 303, response.text[:300]


def _subscribe(client: TestClient, email: str) -> int:
    return client.post(
        "/subscribe",
        data={
            "csrf_token": _csrf(client, "/subscribe"),
            "email": email,
            "kind": "trending",
            "value": "",
            "frequency": "daily",
            "timezone": "UTC",
            "send_hour": "7",
        },
    ).status_code


def _mail_links(client: TestClient, mail_id: int) -> list[str]:
    page = client.get(f"/admin/outbox/{mail_id}")
    assert page.status_code == 200
    return re.findall(r'<a href="(https://testserver/[^"]+)"', page.text)


def test_subscribe_confirm_from_the_outbox_and_receive_a_digest(
    outbox_service: DigestService, clock: Clock, shared_data: Path
) -> None:
    service = outbox_service
    records = snapshot_records(shared_data)
    put_papers(service, [paper_from(r, MON, upvotes=10 - i) for i, r in enumerate(records[:5])])
    service.accounts.add_user("admin", None, "a long password", admin=True)
    service.accounts.add_user("reader", None, "a long password", admin=False)

    with _client(service) as client:
        assert _subscribe(client, "visitor@example.org") == 303
        done = client.get("/subscribe?done=1").text
        assert "outbox" in done and "on its way" not in done

        # Only an admin reads the outbox: anonymous visitors log in, others are refused.
        assert client.get("/admin/outbox").headers["location"] == "/login?next=/admin/outbox"
        _log_in(client, "reader")
        assert client.get("/admin/outbox").status_code == 403
        client.post("/logout", data={"csrf_token": _csrf(client, "/")})
        _log_in(client, "admin")

        listing = client.get("/admin/outbox").text
        ids = [int(i) for i in re.findall(r'href="/admin/outbox/(\d+)"', listing)]
        assert len(ids) == 1 and "Confirm your paperwire subscription" in listing
        assert "visitor@example.org" in listing
        confirm = [u for u in _mail_links(client, ids[0]) if "/digest/confirm?" in u]
        assert len(confirm) == 1
        confirm_path = confirm[0].removeprefix(BASE).replace("&amp;", "&")
        csrf = _csrf(client, confirm_path)
        confirmed = client.post(confirm_path, data={"csrf_token": csrf})
        assert confirmed.status_code == 303 and "done=confirmed" in confirmed.headers["location"]

    # The digest job, as `paperwire serve` schedules it with the outbox set.
    assert "digests" in [job.name for job in job_table(_parts(service))]
    report = service.digests.run_digests(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    assert (report.due, report.sent, report.exit_code) == (1, 1, 0), report.summary()
    # Exactly once: running again sends nothing more.
    assert service.digests.run_digests(datetime(2026, 3, 3, 8, 30, tzinfo=UTC)).sent == 0
    kept = service.store.outbox.to("visitor@example.org")
    assert len(kept) == 2 and kept[0].subject.startswith("Confirm")
    digest = kept[-1]
    assert digest.subject == "Trending papers: 5 papers · Mon 2 Mar 2026"
    assert records[0]["id"] in digest.message.decode("ascii", "replace")

    with _client(service) as client:
        _log_in(client, "admin")
        links = _mail_links(client, digest.id)
        assert any("/digest/unsubscribe?" in u for u in links)
        assert any(u.startswith(f"{BASE}/papers/") for u in links)
        html = client.get(f"/admin/outbox/{digest.id}/html")
        assert html.status_code == 200 and "<html" in html.text.lower()
        assert "script-src" not in html.headers["content-security-policy"]
        assert client.get("/admin/outbox/999999").status_code == 404


def _parts(service: DigestService) -> JobParts:
    return JobParts(
        service.settings,
        service.store,
        service.clock,
        service.search,
        service.sync,
        lambda: service.digests,
        service.limits,
    )


def test_without_mail_the_subscribe_page_says_so_and_records_nothing(
    settings: Settings, clock: Clock
) -> None:
    service = _service(settings, clock, "none")
    try:
        with _client(service) as client:
            page = client.get("/subscribe").text
            assert "cannot send e-mail" in page and 'action="/subscribe"' not in page
            assert _subscribe_without_form(client) == 503
            assert "on its way" not in client.get("/subscribe?done=1").text
        assert service.store.subscribers.subscriber_by_key("visitor@example.org") is None
        assert "digests" not in [job.name for job in job_table(_parts(service))]
    finally:
        service.close()


def _subscribe_without_form(client: TestClient) -> int:
    # The form is not shown; a POST made anyway (an old tab, a script) is refused.
    return client.post(
        "/subscribe",
        data={
            "csrf_token": _csrf(client, "/login"),
            "email": "visitor@example.org",
            "kind": "trending",
            "frequency": "daily",
            "timezone": "UTC",
            "send_hour": "7",
        },
    ).status_code
