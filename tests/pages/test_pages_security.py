"""Bad input and security: hostile markup shown as text everywhere, a Content-Security-Policy
the pages really satisfy (no inline scripts, styles or handlers), the usual headers, rate
limits, and errors that never leak a stack trace."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pages_helpers import (
    HOSTILE_AUTHOR,
    HOSTILE_ID,
    PASSWORD,
    PAYLOADS,
    REAL_ID,
    SCRIPT,
    Site,
    assert_inert,
    csrf_of,
    post_form,
)

from paperwire.service.limits import DEFAULT_LIMITS
from paperwire.web.security import SECURITY_HEADERS


def test_headers_on_every_kind_of_response(site: Site) -> None:
    responses = {
        "page": site.client.get("/"),
        "redirect": site.client.get("/papers/week"),
        "404": site.client.get("/nope"),
        "400 json": site.client.get("/?p=x", headers={"Accept": "application/json"}),
        "static": site.client.get("/static/style.css"),
        "citation": site.client.get(f"/papers/{REAL_ID}.bib"),
        "405": site.client.get("/logout"),
    }
    for kind, response in responses.items():
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (kind, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def test_static_files_are_cached_and_typed(site: Site) -> None:
    css = site.client.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "max-age=" in css.headers["cache-control"]
    js = site.client.get("/static/app.js")
    assert js.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "max-age=" in js.headers["cache-control"]
    # Their URLs carry the version, so a new release is fetched despite the cache.
    assert '<link rel="stylesheet" href="/static/style.css?v=' in site.client.get("/").text
    assert site.client.get("/static/nope.css").status_code == 404


def test_no_page_loads_anything_from_another_host(site: Site) -> None:
    for path in ("/", "/search?q=x", f"/papers/{REAL_ID}", "/signup"):
        html = site.client.get(path).text
        head = html.split("</head>", 1)[0]
        assert "http://" not in head.replace('content="http://127.0.0.1:8000', "")
        assert "https://" not in head
        assert "@import" not in site.client.get("/static/style.css").text
        assert "url(http" not in site.client.get("/static/style.css").text


def test_hostile_paper_fields_are_text_everywhere(site: Site) -> None:
    pages = {
        "home": "/",
        "week": "/papers/week/2026-W10",
        "month": "/papers/month/2026-03",
        "paper": f"/papers/{HOSTILE_ID}",
        "category": "/categories/cs.CL",
        "hostile category": f"/categories/{quote('cs.<i>x', safe='')}",
        "author": f"/authors/{quote(HOSTILE_AUTHOR, safe='')}",
        "search": "/search?q=injection&mode=lexical",
        "related": f"/papers/{REAL_ID}",
    }
    for name, path in pages.items():
        response = site.client.get(path)
        assert response.status_code == 200, name
        assert_inert(response.text)
    paper = site.client.get(f"/papers/{HOSTILE_ID}").text
    assert "Attention is all you need &lt;script&gt;alert(1)&lt;/script&gt;" in paper
    assert "Mallory &#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in paper
    assert "<title>Attention is all you need &lt;script&gt;" in paper
    assert 'content="Attention is all you need &lt;script&gt;' in paper  # og:title
    author = site.client.get(f"/authors/{quote(HOSTILE_AUTHOR, safe='')}").text
    assert f'id="paper-{HOSTILE_ID}"' in author


def test_author_with_a_slash_in_the_name_has_a_page(site: Site) -> None:
    response = site.client.get(f"/authors/{quote('Eve <b>Bold</b>', safe='')}")
    assert response.status_code == 200
    assert f'id="paper-{HOSTILE_ID}"' in response.text


def test_hostile_queries_are_text(site: Site) -> None:
    for payload in PAYLOADS:
        _hostile_queries_are_text(site, payload)


def _hostile_queries_are_text(site: Site, payload: str) -> None:
    for params in (
        {"q": payload},
        {"q": payload, "mode": "lexical"},
        {"q": "zzz", "cat": payload},
        {"q": f'author:"{payload}"'},
    ):
        response = site.client.get("/search", params=params)
        assert response.status_code in (200, 400)
        assert_inert(response.text)
    assert_inert(site.client.get(f"/login?next={quote(payload)}").text)
    assert_inert(site.client.get(f"/papers/{quote(payload)}").text)
    assert_inert(site.client.get(f"/u/{quote(payload)}").text)
    as_json = site.client.get(f"/papers/{quote(payload)}", headers={"Accept": "application/json"})
    assert as_json.headers["content-type"] == "application/json"


def test_hostile_comments_and_collection_names_are_text(site: Site) -> None:
    alice = site.logged_in("alice")
    for payload in PAYLOADS:
        _post_hostile_things(alice, payload)
    for browser in (alice, site.client):
        for path in (f"/papers/{REAL_ID}", "/u/alice", "/account"):
            assert_inert(browser.get(path).text)
    page = site.client.get(f"/papers/{REAL_ID}").text
    assert page.count("javascript:alert(1)") == len(PAYLOADS)  # as text, never as a link
    alice_id = site.service.store.people.by_username("alice").id  # type: ignore[union-attr]
    slugs = [c.slug for c in site.service.store.community.collections_of(alice_id, None)]
    assert len(slugs) == 2 * len(PAYLOADS)
    for slug in slugs:
        collection = site.client.get(f"/u/alice/c/{slug}")
        assert collection.status_code == 200
        assert_inert(collection.text)


def _post_hostile_things(alice: TestClient, payload: str) -> None:
    post_form(alice, f"/papers/{REAL_ID}/comments", {"body": f"{payload} javascript:alert(1)"})
    post_form(
        alice, "/collections", {"name": f"x {payload}", "description": payload, "public": "on"}
    )
    post_form(alice, f"/papers/{REAL_ID}/collect", {"new_name": f"y {payload}", "public": "on"})


def test_signup_form_echo_is_text(site: Site) -> None:
    response = post_form(
        site.client, "/signup", {"username": SCRIPT, "email": SCRIPT, "password": "x"}
    )
    assert response.status_code == 400
    assert_inert(response.text)


# -- rate limits ---------------------------------------------------------------------------
def _flood(
    browser: TestClient, url: str, form: dict[str, str], times: int, page: str = "/login"
) -> list[int]:
    return [post_form(browser, url, form, page=page).status_code for _ in range(times)]


def test_signup_is_rate_limited(site: Site) -> None:
    limit = DEFAULT_LIMITS["signup"][0]
    browser = site.new_client()
    codes = [
        post_form(
            browser, "/signup", {"username": f"user{i:03d}", "password": "x" * 12}
        ).status_code
        for i in range(limit + 1)
    ]
    assert codes == [303] * limit + [429]


def test_login_is_rate_limited(site: Site) -> None:
    site.user("alice")
    limit = DEFAULT_LIMITS["login"][0]
    browser = site.new_client()
    # Each guess at another account: the per-account limit (below) stays out of the way.
    codes = [
        post_form(browser, "/login", {"username": f"nobody{i}", "password": "guess"}).status_code
        for i in range(limit + 1)
    ]
    assert codes == [403] * limit + [429]
    # Even the right password waits now: that is what stops a guessing run.
    blocked = post_form(browser, "/login", {"username": "alice", "password": "x"})
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"]
    assert "too many attempts" in blocked.text
    as_json = post_form(browser, "/login", {}, headers={"Accept": "application/json"})
    assert as_json.json()["status"] == 429
    site.app.state.limiter.reset()
    assert site.logged_in("bob")  # other actions and a fresh window are unaffected


def test_failed_logins_to_one_account_are_limited(site: Site) -> None:
    site.user("alice")
    failures = DEFAULT_LIMITS["login-failures"][0]
    codes = [
        post_form(site.new_client(), "/login", {"username": "alice", "password": "guess"})
        for _ in range(failures + 1)
    ]
    assert [response.status_code for response in codes] == [403] * failures + [429]
    assert "too many failed log-ins for this account" in codes[-1].text
    right = {"username": "alice", "password": PASSWORD}
    assert post_form(site.new_client(), "/login", right).status_code == 429
    site.app.state.limiter.reset()  # the window passes
    assert post_form(site.new_client(), "/login", right).status_code == 303


def test_comments_are_rate_limited(site: Site) -> None:
    alice = site.logged_in("alice")
    limit = DEFAULT_LIMITS["comment"][0]
    csrf = csrf_of(alice)  # one token for the whole run, as one open page would post
    codes = [
        alice.post(
            f"/papers/{REAL_ID}/comments", data={"csrf_token": csrf, "body": f"n{i}"}
        ).status_code
        for i in range(limit + 1)
    ]
    assert codes == [303] * limit + [429]
    assert len(site.service.store.community.comments_for(REAL_ID)) == limit


def test_submissions_are_rate_limited(site: Site) -> None:
    alice = site.logged_in("alice")
    limit = DEFAULT_LIMITS["submit"][0]
    csrf = csrf_of(alice)
    codes = [
        alice.post("/submit", data={"csrf_token": csrf, "paper": REAL_ID}).status_code
        for _ in range(limit + 1)
    ]
    assert codes == [303] * limit + [429]


# -- errors --------------------------------------------------------------------------------
LEAKS = ("Traceback", 'File "', "RuntimeError", "the secret internals", "sqlalchemy", "line ")


@pytest.fixture
def crashing(site: Site) -> TestClient:
    """The app with one route that fails the way a bug would."""

    def boom() -> None:
        raise RuntimeError("the secret internals: password=hunter2")

    site.app.add_api_route("/boom", boom)
    return TestClient(site.app, follow_redirects=False, raise_server_exceptions=False)


def test_an_unexpected_error_is_a_plain_500(crashing: TestClient) -> None:
    page = crashing.get("/boom")
    assert page.status_code == 500
    assert "<h1>Something went wrong</h1>" in page.text
    assert "it has been logged" in page.text
    for leak in LEAKS:
        assert leak not in page.text
    for name, value in SECURITY_HEADERS.items():
        assert page.headers.get(name) == value, name
    as_json = crashing.get("/boom", headers={"Accept": "application/json"})
    assert as_json.status_code == 500
    assert as_json.json() == {
        "error": "the server could not do that; it has been logged",
        "status": 500,
    }


ERROR_PATHS = [
    "/papers/date/2026-99-99",
    "/papers/not-an-id",
    "/search?q=%22&mode=x",
    "/nope",
    "/comments/1/edit",
    "/u/nobody",
    "/?p=" + "9" * 400,
]


def test_error_bodies_never_carry_a_traceback(site: Site) -> None:
    for path in ERROR_PATHS:
        for accept in ("text/html", "application/json"):
            response = site.client.get(path, headers={"Accept": accept})
            assert 400 <= response.status_code < 500, path
            for leak in LEAKS[:3]:
                assert leak not in response.text, path
