"""Who the client is, for rate limits: X-Forwarded-For counts only from a trusted proxy; and
failed log-ins are limited per account, from any number of addresses (issue 11, finding 3)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pages_helpers import PASSWORD, Site

from paperwire.errors import ConfigError
from paperwire.service import Service
from paperwire.settings import Settings
from paperwire.web.app import create_app
from paperwire.web.security import DEFAULT_LIMITS

PER_ADDRESS = DEFAULT_LIMITS["login"][0]
PER_ACCOUNT = DEFAULT_LIMITS["login-failure"][0]
PROXY = "10.0.0.5"


def _login(client: TestClient, forwarded: str, password: str = "wrong", user: str = "ann") -> int:
    response = client.post(
        "/api/login",
        json={"username": user, "password": password},
        headers={"X-Forwarded-For": forwarded},
    )
    return response.status_code


@pytest.fixture
def behind_proxy(settings: Settings, seeded: Service) -> Iterator[TestClient]:
    app = create_app(dataclasses.replace(settings, trusted_proxies=f"{PROXY}, 192.168.0.0/16"))
    with TestClient(app, client=(PROXY, 40000)) as client:
        yield client


def test_a_forwarded_header_from_an_untrusted_peer_changes_nothing(site: Site) -> None:
    """No proxy is trusted by default: picking a new X-Forwarded-For each time gets no new
    budget, the peer's address is the bucket."""
    codes = [_login(site.client, f"203.0.113.{i}", user=f"nobody{i}") for i in range(PER_ADDRESS)]
    assert 429 not in codes
    assert _login(site.client, "198.51.100.1", user="someone") == 429


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    behind_proxy: TestClient,
) -> None:
    for i in range(PER_ADDRESS + 5):  # more than one address's budget, from many addresses
        assert _login(behind_proxy, f"203.0.113.{i}", user=f"nobody{i}") != 429
    # The address the proxy names is the bucket: its own 21st attempt is refused. A trusted
    # hop (192.168.x, another proxy of ours) is skipped, a spoofed leftmost entry is not read.
    for _ in range(PER_ADDRESS):
        _login(behind_proxy, "6.6.6.6, 198.51.100.7, 192.168.1.1", user="x")
    assert _login(behind_proxy, "198.51.100.7", user="y") == 429
    assert _login(behind_proxy, "6.6.6.6", user="z") != 429


def test_failed_log_ins_are_limited_per_account_from_any_address(
    behind_proxy: TestClient, seeded: Service
) -> None:
    seeded.accounts.sign_up("ann", None, PASSWORD)
    for i in range(PER_ACCOUNT):
        assert _login(behind_proxy, f"203.0.113.{i}") == 401
    # Even the right password waits now: the guesses came from ten different addresses.
    assert _login(behind_proxy, "198.51.100.9", password=PASSWORD) == 429
    assert _login(behind_proxy, "198.51.100.9", password=PASSWORD, user="ANN ") == 429
    # Another account is not affected, and successful log-ins never count.
    seeded.accounts.sign_up("bob", None, PASSWORD)
    for i in range(PER_ACCOUNT + 2):
        assert _login(behind_proxy, f"203.0.113.{i}", password=PASSWORD, user="bob") == 200


def test_a_bad_trusted_proxies_value_is_refused_at_start(settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"trusted_proxies.*not-an-address"):
        dataclasses.replace(settings, trusted_proxies="127.0.0.1, not-an-address")
