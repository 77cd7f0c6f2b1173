"""Issue 13: a paper submitted while arXiv cannot be reached is answered at once, in words
(no URL, errno or retry budget), kept as "waiting for arXiv" for its submitter, and fetched and
submitted by the "submissions" job once arXiv answers (the replay server on loopback)."""

from __future__ import annotations

import dataclasses
import re
import socket
import time

import pytest
from sync_replay import ReplayServer

from paperwire.errors import WaitingError
from paperwire.service import make_service
from paperwire.settings import Settings
from paperwire.web.app import create_app

RECORDED = "1605.08386"  # an id_list lookup the replay server has recorded


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_offline_submission_waits_and_is_completed(
    settings: Settings, replay: ReplayServer
) -> None:
    down = dataclasses.replace(
        settings,
        arxiv_api_url=f"http://127.0.0.1:{_closed_port()}/api/query",
        contact_email="ops@example.org",
        arxiv_delay_seconds=0.0,
    )
    offline = make_service(down)
    offline.init()
    try:
        alice = offline.accounts.sign_up("alice", None, "correct horse battery")
        started = time.monotonic()
        with pytest.raises(WaitingError) as err:
            offline.community.submit_paper(alice, f"https://arxiv.org/abs/{RECORDED}")
        assert time.monotonic() - started < 5  # not 46 s of retries
        message = str(err.value)
        assert message.startswith("arXiv cannot be reached from this server right now")
        assert f"{RECORDED} is waiting for arXiv" in message
        for internal in ("http", "127.0.0.1", "errno", "tries", "budget"):
            assert internal not in message.lower(), internal
        # Asking again keeps one waiting submission; still offline, the job changes nothing.
        with pytest.raises(WaitingError):
            offline.community.submit_paper(alice, RECORDED)
        assert [p for p, _ in offline.community.waiting(alice)] == [RECORDED]
        assert offline.community.submit_waiting() == 0
        assert offline.store.papers.get_paper(RECORDED) is None
    finally:
        offline.close()

    # arXiv answers again: the job fetches the paper and submits it in alice's name.
    online = make_service(dataclasses.replace(down, arxiv_api_url=replay.api_url))
    try:
        assert online.community.submit_waiting() == 1
        paper = online.papers.get(RECORDED)
        assert paper.submitted_by == "alice" and "community" in paper.sources
        assert online.community.waiting(alice) == []
        assert online.community.submit_waiting() == 0
    finally:
        online.close()


def test_the_submit_page_shows_what_waits(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    down = dataclasses.replace(
        settings,
        arxiv_api_url=f"http://127.0.0.1:{_closed_port()}/api/query",
        contact_email="ops@example.org",
        arxiv_delay_seconds=0.0,
    )
    service = make_service(down)
    service.init()
    service.accounts.sign_up("alice", None, "correct horse battery")
    try:
        with TestClient(create_app(down, service=service), follow_redirects=False) as client:

            def csrf(path: str) -> str:
                found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
                assert found is not None
                return found.group(1)

            logged = client.post(
                "/login",
                data={
                    "csrf_token": csrf("/login"),
                    "username": "alice",
                    "password": "correct horse battery",
                    "next": "/",
                },
            )
            assert logged.status_code == 303
            answer = client.post("/submit", data={"csrf_token": csrf("/submit"), "paper": RECORDED})
            assert answer.status_code == 202
            assert f"{RECORDED} is waiting for arXiv" in answer.text
            page = client.get("/submit").text
            assert "Waiting for arXiv" in page and f"<li>{RECORDED} · since" in page
    finally:
        service.close()
