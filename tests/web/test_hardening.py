"""The defences a public deployment needs (issue 11): the client address only from trusted
proxies, a per-account log-in limit, a bound on request bodies, HSTS, and rate limits that
every process sharing the store counts together. The app runs over an empty store on SQLite
and on PostgreSQL; the proxy rule is also checked through a real uvicorn on loopback."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from paperwire.cli.serve import uvicorn_options
from paperwire.errors import ConfigError
from paperwire.service import Service
from paperwire.service.limits import DEFAULT_LIMITS
from paperwire.settings import Settings, load_settings, parse_networks
from paperwire.web.app import create_app
from paperwire.web.security import client_address

PROXY = "10.0.0.7"
LOGIN_LIMIT = DEFAULT_LIMITS["login"][0]
BOUND = 4096  # max_request_bytes of the body tests


@pytest.fixture(autouse=True)
def _migrated(request: pytest.FixtureRequest) -> None:
    """Tests that build an app get a migrated store first (the ``service`` fixture)."""
    if "settings" in request.fixturenames:
        request.getfixturevalue("service")


def _client(settings: Settings, peer: str = "203.0.113.5") -> TestClient:
    # The scheme of the site's address: a client keeps Secure cookies only for https.
    scheme = settings.public_url.split(":", 1)[0]
    return TestClient(
        create_app(settings),
        base_url=f"{scheme}://testserver",
        client=(peer, 40000),
        follow_redirects=False,
    )


_USERNAMES = itertools.count()


def _logins(client: TestClient, count: int, forwarded: str | None = None) -> list[int]:
    """API log-ins with unknown usernames (a new one each: only the per-address limit)."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return [
        client.post(
            "/api/login",
            json={"username": f"nobody{next(_USERNAMES)}", "password": "x"},
            headers=headers,
        ).status_code
        for _ in range(count)
    ]


# -- the client address --------------------------------------------------------------------
def test_client_address_walks_trusted_hops_right_to_left() -> None:
    trusted = parse_networks("10.0.0.0/8, ::1")
    assert client_address("10.0.0.7", ["1.1.1.1, 10.1.1.1"], trusted) == "1.1.1.1"
    # Left of the first untrusted hop is whatever the client wrote: not believed.
    assert client_address("10.0.0.7", ["6.6.6.6, 2.2.2.2"], trusted) == "2.2.2.2"
    assert client_address("10.0.0.7", ["6.6.6.6", "2.2.2.2"], trusted) == "2.2.2.2"
    assert client_address("203.0.113.5", ["1.1.1.1"], trusted) == "203.0.113.5"
    assert client_address("10.0.0.7", ["junk, 10.2.2.2"], trusted) == "junk"
    assert client_address("10.0.0.7", [], trusted) == "10.0.0.7"
    assert client_address("127.0.0.1", ["1.1.1.1"], ()) == "127.0.0.1"


def test_trusted_proxies_are_checked_at_load() -> None:
    assert load_settings({"PAPERWIRE_TRUSTED_PROXIES": "10.0.0.0/8 192.168.1.1"}).trusted_networks
    assert load_settings({}).trusted_networks == ()
    with pytest.raises(ConfigError, match=r"trusted_proxies.*'10\.0\.0\.0/33'"):
        load_settings({"PAPERWIRE_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.0/33"})


def test_spoofed_forwarded_for_from_an_untrusted_peer_keeps_the_bucket(settings: Settings) -> None:
    with _client(settings) as client:
        codes = [_logins(client, 1, forwarded=f"198.51.100.{i}")[0] for i in range(LOGIN_LIMIT + 1)]
    assert codes == [401] * LOGIN_LIMIT + [429]


def test_forwarded_for_from_a_trusted_proxy_names_the_client(settings: Settings) -> None:
    behind_proxy = dataclasses.replace(settings, trusted_proxies="10.0.0.0/24")
    with _client(behind_proxy, peer=PROXY) as client:
        assert _logins(client, LOGIN_LIMIT + 1, forwarded="198.51.100.1") == [401] * LOGIN_LIMIT + [
            429
        ]
        # Another client behind the same proxy has a budget of its own.
        assert _logins(client, 1, forwarded="198.51.100.2") == [401]


def test_failed_logins_to_one_account_are_limited_from_any_address(
    settings: Settings, service: Service
) -> None:
    service.accounts.sign_up("alice", None, "correct horse battery")
    failures = DEFAULT_LIMITS["login-failures"][0]
    behind_proxy = dataclasses.replace(settings, trusted_proxies=PROXY)
    wrong = {"username": "alice", "password": "guess guess guess"}
    with _client(behind_proxy, peer=PROXY) as client:
        codes = [
            client.post(
                "/api/login", json=wrong, headers={"X-Forwarded-For": f"198.51.100.{i}"}
            ).status_code
            for i in range(failures + 1)
        ]
        assert codes == [401] * failures + [429]
        right = {"username": "Alice", "password": "correct horse battery"}
        refused = client.post("/api/login", json=right, headers={"X-Forwarded-For": "192.0.2.1"})
        assert refused.status_code == 429
        assert refused.headers["retry-after"]
        # Other accounts are not held up.
        service.accounts.sign_up("bob", None, "correct horse battery")
        bob = {"username": "bob", "password": "correct horse battery"}
        assert client.post("/api/login", json=bob).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _serving(settings: Settings) -> Iterator[str]:
    """The app under uvicorn as `paperwire serve` configures it, on a loopback port."""
    import uvicorn

    port = _free_port()
    live = dataclasses.replace(settings, host="127.0.0.1", port=port)
    server = uvicorn.Server(uvicorn.Config(create_app(live), **uvicorn_options(live)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    with _serving(settings) as base:
        yield base


@pytest.fixture
def served_small(settings: Settings) -> Iterator[str]:
    with _serving(dataclasses.replace(settings, max_request_bytes=BOUND)) as base:
        yield base


def test_served_app_ignores_forwarded_for_from_loopback(served: str) -> None:
    """uvicorn on its own believes X-Forwarded-For from 127.0.0.1; `serve` turns that off."""
    with httpx.Client(base_url=served) as http:
        codes = [
            http.post(
                "/api/login",
                json={"username": f"nobody{i}", "password": "x"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(LOGIN_LIMIT + 1)
        ]
    assert codes == [401] * LOGIN_LIMIT + [429]


# -- request bodies ------------------------------------------------------------------------
def _chunks(body: bytes) -> Iterator[bytes]:
    """A body sent chunked: no Content-Length, only the bytes themselves tell its size."""
    for start in range(0, len(body), 1000):
        yield body[start : start + 1000]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversize_bodies_are_refused_with_413(served_small: str, chunked: bool) -> None:
    form = b"username=alice&password=" + b"x" * BOUND
    document = b'{"username": "alice", "password": "' + b"x" * BOUND + b'"}'
    with httpx.Client(base_url=served_small) as http:
        page = http.post(
            "/login",
            content=_chunks(form) if chunked else form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
        )
        api = http.post(
            "/api/login",
            content=_chunks(document) if chunked else document,
            headers={"Content-Type": "application/json"},
        )
        small = http.post("/api/login", json={"username": "alice", "password": "x"})
    assert ("content-length" in page.request.headers) is not chunked
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "over the limit of 4,096 bytes" in page.text
    assert api.status_code == 413
    assert api.json() == {
        "error": "the request body is over the limit of 4,096 bytes",
        "status": 413,
    }
    assert small.status_code == 401  # under the bound: read and answered as before


# -- https ---------------------------------------------------------------------------------
def test_https_site_sends_hsts_and_secure_cookies(settings: Settings, service: Service) -> None:
    service.accounts.sign_up("alice", None, "correct horse battery")
    public = dataclasses.replace(settings, base_url="https://papers.example.org")
    with _client(public) as client:
        page = client.get("/login")
        assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert "Secure" in page.headers["set-cookie"]
        missing = client.get("/no/such/page")
        assert missing.headers["strict-transport-security"]
        login = client.post(
            "/login",
            data={
                "username": "alice",
                "password": "correct horse battery",
                "csrf_token": _csrf(page.text),
            },
        )
        assert login.status_code == 303
        assert "pw_session=" in login.headers["set-cookie"]
        assert "secure" in login.headers["set-cookie"].lower()
    with _client(settings) as client:  # plain http (a development server): neither
        page = client.get("/login")
        assert "strict-transport-security" not in page.headers
        assert "Secure" not in page.headers["set-cookie"]


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_serve_runs_on_httptools_and_uvloop() -> None:
    """`paperwire serve` gets uvicorn's C parser and libuv loop (dependencies since the 3M
    paper page needed them: 0.87x without, the kept home page 0.59x, docs/benchmarks.md);
    uvicorn falls back silently to h11 and asyncio when they are missing."""
    from uvicorn.config import Config

    from paperwire.cli.serve import uvicorn_options
    from paperwire.settings import Settings

    async def app(scope: object, receive: object, send: object) -> None:
        """Any ASGI app: what is checked is the server around it."""

    config = Config(app=app, **uvicorn_options(Settings()))
    config.load()
    assert config.http_protocol_class.__module__ == "uvicorn.protocols.http.httptools_impl"
    assert config.get_loop_factory().__module__ == "uvloop"
