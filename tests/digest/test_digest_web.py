"""The pages, in process through the real app: subscribe without an account, confirm (twice),
one-click unsubscribe without CSRF, preferences, preview, the private feed; hostile input and
bad links get a clear page and change nothing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from digest_helpers import (
    Clock,
    DigestService,
    SmtpSink,
    confirm_link,
    paper_from,
    put_papers,
    snapshot_records,
    token_of,
)
from fastapi.testclient import TestClient

from paperwire.web.app import create_app


@pytest.fixture
def client(dservice: DigestService) -> Iterator[TestClient]:
    app = create_app(dservice.settings, service=dservice)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client


def _csrf(client: TestClient, path: str = "/subscribe") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def _subscribe(
    client: TestClient, email: str, kind: str = "trending", value: str = ""
) -> tuple[int, str]:
    response = client.post(
        "/subscribe",
        data={
            "csrf_token": _csrf(client),
            "email": email,
            "kind": kind,
            "value": value,
            "frequency": "daily",
            "timezone": "Europe/Paris",
            "send_hour": "7",
        },
    )
    return response.status_code, response.text


def _path(url: str) -> str:
    return url.removeprefix("https://papers.example.org")


def test_subscribe_confirm_twice_preferences_and_one_click_unsubscribe(
    client: TestClient, dservice: DigestService, sink: SmtpSink, shared_data: Path
) -> None:
    status, _ = _subscribe(client, "visitor@example.org", "topic", "hamiltonian")
    assert status == 303
    assert "Check your inbox" in client.get("/subscribe?done=1").text
    mail = sink.to("visitor@example.org")[0].message
    confirm = _path(confirm_link(mail))
    page = client.get(confirm)
    assert page.status_code == 200 and "Confirm your subscription" in page.text
    assert "hamiltonian" in page.text
    # GET changed nothing: a mail scanner opening the link does not confirm anyone.
    assert dservice.digests.run_digests(dservice.clock() + timedelta(days=2)).due == 0
    csrf = _csrf(client, confirm)
    done = client.post(confirm, data={"csrf_token": csrf})
    assert done.status_code == 303 and "done=confirmed" in done.headers["location"]
    prefs = client.get(done.headers["location"])
    assert "Confirmed" in prefs.text and "Private RSS feed" in prefs.text
    again = client.get(confirm)
    assert "Already confirmed" in again.text
    assert "done=already" in client.post(confirm, data={"csrf_token": csrf}).headers["location"]

    # Preview and private feed.
    records = snapshot_records(shared_data)
    hamiltonian = [r for r in records if "hamiltonian" in (r["title"] + r["abstract"]).lower()]
    assert hamiltonian
    yesterday = (dservice.clock() - timedelta(days=1)).date()
    put_papers(dservice, [paper_from(r, yesterday) for r in hamiltonian[:3]])
    preview = re.search(r'href="(/digest/preview/\d+\?token=[^"]+)"', prefs.text)
    assert preview is not None
    shown = client.get(preview.group(1).replace("&amp;", "&"))
    assert (
        shown.status_code == 200
        and "default-src 'none'" in shown.headers["content-security-policy"]
    )
    assert hamiltonian[0]["id"] in shown.text
    feed_url = re.search(r'href="(/digest/feed/[^"]+\.xml)"', prefs.text)
    assert feed_url is not None
    rss = client.get(feed_url.group(1))
    assert rss.status_code == 200 and rss.headers["cache-control"].startswith("private")
    items = ET.fromstring(rss.content).findall("./channel/item")
    assert {i.findtext("link", "").rsplit("/", 1)[1] for i in items} == {
        r["id"] for r in hamiltonian[:3]
    }
    assert client.get("/digest/feed/not-a-token.xml").status_code == 404

    # Pause from the preferences page: the next run sends nothing.
    token = token_of(done.headers["location"])
    sub_id = dservice.store.subscribers.subscriptions_of(1)[0].id
    form = {
        "csrf_token": csrf,
        "action": "change",
        "subscription": str(sub_id),
        "frequency": "daily",
        "send_hour": "7",
        "top_n": "5",
        "paused": "on",
    }
    assert client.post(f"/digest/preferences?token={token}", data=form).status_code == 303
    assert dservice.digests.run_digests(dservice.clock() + timedelta(days=1)).due == 0
    del form["paused"]
    assert client.post(f"/digest/preferences?token={token}", data=form).status_code == 303
    report = dservice.digests.run_digests(dservice.clock() + timedelta(days=1))
    assert report.sent == 1, report.summary()
    digest = sink.to("visitor@example.org")[-1].message
    unsubscribe = _path(digest["List-Unsubscribe"].strip("<>"))

    # RFC 8058: the mail provider POSTs from its own servers, no cookie, no CSRF token.
    stranger = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    assert "Unsubscribe" in stranger.get(unsubscribe).text  # GET only shows a button
    assert dservice.store.subscribers.subscriptions_of(1) != []
    gone = stranger.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 200 and "Unsubscribed" in gone.text
    assert dservice.store.subscribers.subscriptions_of(1) == []
    again = stranger.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # twice: harmless
    assert "Already unsubscribed" in stranger.get(unsubscribe).text
    assert dservice.digests.run_digests(dservice.clock() + timedelta(days=3)).due == 0


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("someone@example.org\r\nBcc: victim@example.net", "does not look like an address"),
        ("someone@example.org\nBcc:victim@example.net", "does not look like an address"),
        ("a" * 290 + "@example.org", "too long"),
        ('"quoted,name"@example.org', "before the @"),
        ("<script>@example.org", "before the @"),
        ("nobody", "does not look like an address"),
    ],
)
def test_hostile_addresses_get_a_clear_page_and_no_mail(
    client: TestClient, sink: SmtpSink, address: str, problem: str
) -> None:
    status, text = _subscribe(client, address)
    assert status == 400 and problem in text
    assert "<script>@" not in text
    assert sink.received == []


def test_idn_someone_elses_address_and_hostile_topics(
    client: TestClient, dservice: DigestService, sink: SmtpSink
) -> None:
    assert _subscribe(client, "Jürgen@bücher.example")[0] == 400  # non-ASCII local part
    assert _subscribe(client, "juergen@Bücher.example")[0] == 303
    assert sink.received[-1].recipients == ["juergen@xn--bcher-kva.example"]
    # Someone else's address: they get one confirmation mail and nothing more.
    topic = 'x "><script>alert(1)</script> author:"Eve <b>"'
    assert _subscribe(client, "victim@example.org", "topic", topic)[0] == 303
    mail = sink.to("victim@example.org")[0].message
    html = mail.get_body(("html",)).get_content()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert dservice.digests.run_digests(dservice.clock() + timedelta(days=3)).due == 0
    assert len(sink.to("victim@example.org")) == 1


def test_bad_tokens_and_expired_links_change_nothing(
    client: TestClient, dservice: DigestService, sink: SmtpSink, clock: Clock
) -> None:
    _subscribe(client, "late@example.org")
    confirm = _path(confirm_link(sink.to("late@example.org")[0].message))
    token = token_of(confirm)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for path in (
        f"/digest/confirm?token={tampered}",
        "/digest/confirm?token=",
        f"/digest/preferences?token={token}",  # a confirm token is not a manage token
        f"/digest/unsubscribe?token={tampered}",
    ):
        page = client.get(path)
        assert page.status_code == 400 and "Nothing was changed" in page.text, path
    csrf = _csrf(client)
    assert client.post(f"/digest/unsubscribe?token={tampered}", data={}).status_code == 400
    clock.value += timedelta(days=8)
    expired = client.post(confirm, data={"csrf_token": csrf})
    assert expired.status_code == 410 and "expired" in expired.text
    subscriber = dservice.store.subscribers.subscriber_by_key("late@example.org")
    assert subscriber is not None and subscriber.status == "pending"


def test_rate_limits_per_address_and_per_ip(
    client: TestClient, dservice: DigestService, sink: SmtpSink
) -> None:
    for _ in range(3):
        assert _subscribe(client, "target@example.org")[0] == 303
    status, text = _subscribe(client, "target@example.org")
    assert status == 429 and "too many confirmation mails" in text
    assert len(sink.to("target@example.org")) == 3
    statuses = [_subscribe(client, f"p{i}@example.org")[0] for i in range(8)]
    assert statuses[:6] == [303] * 6 and statuses[-1] == 429  # 10 per hour per IP


def test_unknown_address_asking_for_its_link_gets_the_same_page_and_no_mail(
    client: TestClient, sink: SmtpSink
) -> None:
    csrf = _csrf(client, "/digest/unsubscribe")
    page = client.post("/digest/manage", data={"csrf_token": csrf, "email": "nobody@example.org"})
    assert page.status_code == 200 and "If that address has subscriptions" in page.text
    assert sink.received == []
    assert client.post("/digest/manage", data={"email": "x@example.org"}).status_code == 403
