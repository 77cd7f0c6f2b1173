"""One size limit for every request body (forms and JSON, told up front or streamed), and the
headers of a site served over https."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from fastapi.testclient import TestClient
from pages_helpers import Site

from paperwire.service import Service
from paperwire.settings import Settings
from paperwire.web.app import create_app

LIMIT = Settings().max_request_bytes


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length): only counting it as it comes can stop it."""
    while total > 0:
        yield b"a" * min(size, total)
        total -= size


def test_an_oversize_form_is_a_413_page(site: Site) -> None:
    body = "username=ann&password=" + "x" * (LIMIT + 1)
    response = site.client.post(
        "/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert "larger than this server accepts" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_an_oversize_json_body_is_a_413_json_error(site: Site) -> None:
    body = b'{"username": "ann", "password": "' + b"x" * (LIMIT + 1) + b'"}'
    response = site.client.post(
        "/api/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": "the request body is larger than this server accepts",
        "status": 413,
    }


def test_a_chunked_body_is_counted_as_it_comes(site: Site) -> None:
    for path, kind in (("/api/login", "application/json"), ("/login", "text/plain")):
        response = site.client.post(
            path, content=_chunks(LIMIT + 10), headers={"Content-Type": kind}
        )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413, path


def test_a_body_under_the_limit_is_read_as_usual(site: Site) -> None:
    response = site.client.post(
        "/api/login",
        json={"username": "nobody", "password": "x" * (LIMIT // 2)},
    )
    assert response.status_code in (400, 401, 403)  # read and refused on its merits, not size


def test_https_sites_send_hsts_and_http_ones_do_not(settings: Settings, seeded: Service) -> None:
    for base_url, expected in (
        ("https://papers.example.org", "max-age=31536000; includeSubDomains"),
        ("http://127.0.0.1:8000", None),
    ):
        app = create_app(dataclasses.replace(settings, base_url=base_url))
        with TestClient(app) as client:
            assert client.get("/").headers.get("strict-transport-security") == expected
