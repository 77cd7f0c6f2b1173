"""Every HTML route in the routes table answers: a sample request per route, as an anonymous
visitor and as a logged-in user, with the expected status, the security headers and no
server error. A route added to the table without a sample here fails the first test."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pages_helpers import REAL_ID, Site, csrf_of

from paperwire.web import feed_pages, pages
from paperwire.web.routes import HTML_ROUTES
from paperwire.web.routing import Route
from paperwire.web.security import SECURITY_HEADERS

# (path template, method) -> (sample URL, form, status anonymous, status logged in as alice)
# Logged-in samples act on alice's own things: a comment and a public collection she owns.
SAMPLES: dict[tuple[str, str], tuple[str, dict[str, str], int, int]] = {
    ("/", "GET"): ("/", {}, 200, 200),
    ("/papers/trending", "GET"): ("/papers/trending", {}, 200, 200),
    ("/papers/week", "GET"): ("/papers/week", {}, 303, 303),
    ("/papers/month", "GET"): ("/papers/month", {}, 303, 303),
    ("/papers/date/{day}", "GET"): ("/papers/date/2026-03-02", {}, 200, 200),
    ("/papers/week/{week}", "GET"): ("/papers/week/2026-W10", {}, 200, 200),
    ("/papers/month/{month}", "GET"): ("/papers/month/2026-03", {}, 200, 200),
    ("/papers/{paper_id:path}/vote", "POST"): (f"/papers/{REAL_ID}/vote", {}, 401, 303),
    ("/papers/{paper_id:path}/comments", "POST"): (
        f"/papers/{REAL_ID}/comments",
        {"body": "hello"},
        401,
        303,
    ),
    ("/papers/{paper_id:path}/collect", "POST"): (
        f"/papers/{REAL_ID}/collect",
        {"new_name": "From the route test"},
        401,
        303,
    ),
    ("/papers/{paper_id:path}/remove", "POST"): (f"/papers/{REAL_ID}/remove", {}, 401, 403),
    ("/papers/{paper_id:path}/not-interested", "POST"): (
        f"/papers/{REAL_ID}/not-interested",
        {},
        401,
        303,
    ),
    ("/papers/{paper_id:path}", "GET"): (f"/papers/{REAL_ID}", {}, 200, 200),
    ("/comments/{comment_id:int}/edit", "POST"): ("/comments/{cid}/edit", {"body": "e"}, 401, 303),
    ("/comments/{comment_id:int}/delete", "POST"): ("/comments/{cid}/delete", {}, 401, 303),
    ("/comments/{comment_id:int}/hide", "POST"): ("/comments/{cid}/hide", {}, 401, 403),
    ("/comments/{comment_id:int}/show", "POST"): ("/comments/{cid}/show", {}, 401, 403),
    ("/search", "GET"): ("/search?q=diffusion", {}, 200, 200),
    ("/authors/{name}", "GET"): ("/authors/Dawn%20Song", {}, 200, 200),
    ("/categories/{category}", "GET"): ("/categories/cs.CL", {}, 200, 200),
    ("/signup", "GET"): ("/signup", {}, 200, 200),
    ("/signup", "POST"): ("/signup", {"username": "x", "password": "y"}, 400, 400),
    ("/login", "GET"): ("/login", {}, 200, 200),
    ("/login", "POST"): ("/login", {"username": "x", "password": "y"}, 403, 403),
    ("/logout", "POST"): ("/logout", {}, 303, 303),
    ("/account", "GET"): ("/account", {}, 303, 200),
    ("/account/password", "POST"): ("/account/password", {"old": "x", "new": "y"}, 401, 400),
    ("/account/delete", "POST"): ("/account/delete", {"password": "x"}, 401, 400),
    ("/account/signals", "POST"): (
        "/account/signals",
        {"kind": "muted-word", "term": "route"},
        401,
        303,
    ),
    ("/account/signals/remove", "POST"): (
        "/account/signals/remove",
        {"kind": "muted-word", "term": "route"},
        401,
        303,
    ),
    ("/account/tokens", "POST"): ("/account/tokens", {"name": "Route", "scope": "read"}, 401, 200),
    ("/account/tokens/{token_id}/revoke", "POST"): ("/account/tokens/999/revoke", {}, 401, 404),
    ("/submit", "GET"): ("/submit", {}, 303, 200),
    ("/submit", "POST"): ("/submit", {"paper": "2501.99999"}, 401, 503),
    ("/collections", "POST"): ("/collections", {"name": "Route test", "public": "on"}, 401, 303),
    ("/u/{username}", "GET"): ("/u/alice", {}, 200, 200),
    ("/u/{username}/c/{slug}", "GET"): ("/u/alice/c/mine", {}, 200, 200),
    ("/u/{username}/c/{slug}/edit", "POST"): (
        "/u/alice/c/mine/edit",
        {"name": "Mine", "public": "on"},
        401,
        303,
    ),
    ("/healthz", "GET"): ("/healthz", {}, 200, 200),
}


def _is_page(route: Route) -> bool:
    return getattr(route.endpoint, "__module__", "") in (pages.__name__, feed_pages.__name__)


def _plain(path: str) -> str:
    """The path without parameter converters ({name:path} -> {name})."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def test_every_html_route_has_a_sample() -> None:
    table = {(_plain(r.path), m) for r in HTML_ROUTES if _is_page(r) for m in r.methods}
    assert table == {(_plain(path), method) for path, method in SAMPLES}


def test_other_html_routes_never_fail_with_a_server_error(site: Site) -> None:
    """Routes from other modules (the digest pages): whatever the parameters, an anonymous
    request gets a page with the security headers, never a 500 or a trace."""
    others = [r for r in HTML_ROUTES if not _is_page(r)]
    token = csrf_of(site.client)
    for route in others:
        url = re.sub(r"\{[^}]*:int\}", "1", route.path)
        url = re.sub(r"\{[^}]*\}", "x", url)
        for method in route.methods:
            if method == "GET":
                response = site.client.get(url)
            else:
                response = site.client.post(url, data={"csrf_token": token})
            # 503 is a deliberate answer (e.g. no mail server configured); 500 is a crash.
            assert response.status_code != 500, (method, route.path, response.text[-500:])
            assert "Traceback" not in response.text
            for name, value in SECURITY_HEADERS.items():
                assert response.headers.get(name) == value, (route.path, name)


@pytest.mark.parametrize("as_user", [False, True], ids=["anonymous", "alice"])
def test_every_html_route_answers(site: Site, as_user: bool) -> None:
    alice = site.logged_in("alice")
    csrf = csrf_of(alice, "/account")
    alice.post("/collections", data={"csrf_token": csrf, "name": "Mine", "public": "on"})
    alice.post(f"/papers/{REAL_ID}/comments", data={"csrf_token": csrf, "body": "c"})
    (comment,) = site.service.store.community.comments_for(REAL_ID)
    browser = alice if as_user else site.new_client()
    token = csrf_of(browser, "/login")
    # Deleting runs late (the comment is gone after it), logging out last (it ends the
    # session the other samples use).
    ordered = sorted(
        SAMPLES.items(), key=lambda item: (item[0][0] == "/logout", "delete" in item[0][0])
    )
    for (template, method), (url, form, anonymous, logged_in) in ordered:
        url = url.replace("{cid}", str(comment.id))
        if method == "GET":
            response = browser.get(url)
        else:
            response = browser.post(url, data={"csrf_token": token, **form})
        expected = logged_in if as_user else anonymous
        assert response.status_code == expected, (template, method, response.text[-800:])
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (template, name)
        if response.headers.get("content-type", "").startswith("text/html"):
            assert response.text.startswith("<!doctype html>")
            assert "<title>" in response.text and 'lang="en"' in response.text


def test_wrong_method_is_405(site: Site) -> None:
    client: TestClient = site.client
    for url, method in [
        ("/collections", "GET"),
        ("/logout", "GET"),
        ("/search", "POST"),
        ("/account", "PUT"),
    ]:
        response = client.request(method, url)
        assert response.status_code == 405, (method, url)
        assert "<h1>Not allowed</h1>" in response.text
