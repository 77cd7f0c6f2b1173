"""The polite client against the replay server: pacing, retries, Retry-After, the budget."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sync_replay import ReplayServer

from paperwire.errors import BudgetSpent, SourceError, UnreachableError
from paperwire.store import Store
from paperwire.sync.http import Budget, Pacer, PoliteClient, _retry_after, _warn_no_contact

# The server's clock and the client's agree to well under this; it only absorbs scheduling.
SLACK = 0.02


def client(interval: float = 0.0, store: Store | None = None, **kwargs: object) -> PoliteClient:
    options: dict[str, object] = {
        "contact_email": "ops@example.org",
        "timeout": 2.0,
        "max_retries": 4,
        "backoff": 0.05,
        "backoff_cap": 0.2,
    }
    options.update(kwargs)
    return PoliteClient(Pacer("arxiv", interval, store), **options)  # type: ignore[arg-type]


def test_identifies_itself_and_keeps_one_connection(replay: ReplayServer) -> None:
    with client() as c:
        for start in ("0", "10", "20"):
            params = {"search_query": "testing", "start": start, "max_results": "10"}
            response = c.get(replay.api_url, params, budget=Budget(10))
            assert response.status == 200
    hits = replay.hits_on("/api")
    assert "mailto:ops@example.org" in hits[0].headers["user-agent"]
    assert hits[0].headers["user-agent"].startswith("paperwire/")
    assert len({h.port for h in hits}) == 1  # one connection, kept alive


def test_politeness_delay_holds_on_the_server_side(replay: ReplayServer) -> None:
    with client(interval=0.2) as c:
        for _ in range(4):
            c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(10))
    gaps = replay.gaps("/oai")
    assert len(gaps) == 3
    assert min(gaps) >= 0.2 - SLACK, gaps


def test_politeness_is_shared_by_processes_through_the_store(
    replay: ReplayServer, store: Store
) -> None:
    """Two clients with their own pacers (as two processes have) share the store's slot."""

    def worker() -> None:
        with client(interval=0.15, store=store) as c:
            for _ in range(3):
                c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(20))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    hits = replay.hits_on("/oai")
    assert len(hits) == 6
    assert len({h.port for h in hits}) == 2  # really two clients
    assert min(replay.gaps("/oai")) >= 0.15 - SLACK, replay.gaps("/oai")


def test_retry_after_on_503_is_honoured(replay: ReplayServer) -> None:
    replay.fault("status", path="/oai", status=503, retry_after="1")
    with client() as c:
        response = c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(10))
    assert response.status == 200
    assert len(replay.hits_on("/oai")) == 2
    assert replay.gaps("/oai")[0] >= 1.0 - SLACK


def test_retry_after_as_an_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 28 <= (_retry_after(format_datetime(later, usegmt=True)) or 0) <= 30
    assert _retry_after("120") == 120
    assert _retry_after("soon") is None
    assert _retry_after(None) is None


def test_timeout_is_retried(replay: ReplayServer) -> None:
    # A second of margin both ways: ordinary answers come well within the 1 s timeout on a
    # loaded machine, and the slow one is still 1.5 s from coming when the client gives up.
    replay.fault("slow", path="/oai", seconds=2.5)
    with client(timeout=1.0) as c:
        response = c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(10))
    assert response.status == 200
    assert len(replay.hits_on("/oai")) == 2


def test_connection_reset_in_the_middle_of_a_body_is_retried(replay: ReplayServer) -> None:
    replay.fault("reset", path="/oai")
    with client() as c:
        response = c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(10))
    assert response.body == replay.oai_pages[None]
    assert len(replay.hits_on("/oai")) == 2


def test_5xx_backs_off_exponentially_with_jitter(replay: ReplayServer) -> None:
    replay.fault("status", path="/oai", status=502, times=3)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with client(backoff=0.1, backoff_cap=10, sleep=sleep) as c:
        c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(10))
    # Equal jitter: try n waits between half and all of 0.1 * 2**(n-1); the waits asked for are
    # checked exactly, the server's arrival times show they were really waited (a loaded machine
    # only adds to them, so they get no upper bound).
    gaps = replay.gaps("/oai")
    assert len(waits) == len(gaps) == 3, (waits, gaps)
    for n, (wait, gap) in enumerate(zip(waits, gaps, strict=True), 1):
        assert 0.05 * 2 ** (n - 1) <= wait <= 0.1 * 2 ** (n - 1), waits
        assert gap >= wait - SLACK, (waits, gaps)


def test_a_source_that_stays_down_fails_within_its_budget(replay: ReplayServer) -> None:
    replay.fault("status", path="/oai", status=503, times=None)
    started = time.monotonic()
    with client(max_retries=1000) as c, pytest.raises(BudgetSpent) as caught:
        # 3 s, not less: on a loaded machine the first answer alone can take a second.
        c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(3.0))
    assert time.monotonic() - started < 5.0
    message = str(caught.value)
    assert replay.oai_url + "?verb=ListRecords" in message
    assert "HTTP 503" in message and "budget" in message


def test_retry_after_longer_than_the_budget_fails_at_once(replay: ReplayServer) -> None:
    replay.fault("status", path="/oai", status=503, retry_after="600")
    slept: list[float] = []
    with client(sleep=slept.append) as c, pytest.raises(BudgetSpent, match="would wait 600"):
        c.get(replay.oai_url, {"verb": "ListRecords"}, budget=Budget(30))
    assert slept == []  # not a moment of the 30 s budget spent waiting
    assert len(replay.hits_on("/oai")) == 1


def test_unreachable_host_names_the_reason() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with client(max_retries=2) as c, pytest.raises(SourceError, match="cannot connect"):
        c.get(f"http://127.0.0.1:{port}/oai", budget=Budget(5))


def test_client_errors_are_answered_not_retried(replay: ReplayServer) -> None:
    with client() as c:
        response = c.get(
            replay.api_url, {"id_list": "abc", "start": "0", "max_results": "100"}, budget=Budget(5)
        )
    assert response.status == 400
    assert len(replay.hits_on("/api")) == 1


def test_conditional_request_gets_304(replay: ReplayServer) -> None:
    replay.hf_days["2026-03-02"] = b"[]"
    url = replay.hf_url + "/daily_papers"
    with client() as c:
        first = c.get(url, {"date": "2026-03-02"}, budget=Budget(5))
        again = c.get(url, {"date": "2026-03-02"}, budget=Budget(5), etag=first.etag)
    assert first.status == 200 and first.etag
    assert again.not_modified and again.body == b""


def test_a_host_never_reached_fails_at_once_in_words() -> None:
    """Offline (issue 13): no minute and a half of retries, one line naming the host."""
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    slept: list[float] = []
    with client(max_retries=6, sleep=slept.append) as c, pytest.raises(UnreachableError) as err:
        c.get(f"http://127.0.0.1:{port}/api/daily_papers", budget=Budget(60))
    assert slept == [] and str(err.value).startswith("cannot reach 127.0.0.1 (offline?)")


def test_no_contact_email_is_said_once_per_process(caplog: pytest.LogCaptureFixture) -> None:
    _warn_no_contact.cache_clear()
    with caplog.at_level(logging.WARNING, logger="paperwire.sync.http"):
        for _ in range(3):
            client(contact_email="").close()
    said = [r for r in caplog.records if "no contact_email set" in r.getMessage()]
    assert len(said) == 1
