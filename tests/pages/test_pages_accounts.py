"""Accounts: sign up, log in, log out, change password, delete account; cookies, CSRF,
POST-then-redirect, safe "next" redirects."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient
from pages_helpers import PASSWORD, REAL_ID, Response, Site, csrf_of, post_form

from paperwire.settings import Settings
from paperwire.web.app import create_app
from paperwire.web.security import CSRF_COOKIE, SESSION_COOKIE


def set_cookie_header(response: Response, name: str) -> str:
    headers: list[str] = response.headers.get_list("set-cookie")
    return next(h for h in headers if h.startswith(f"{name}="))


def is_logged_in(client: TestClient, username: str) -> bool:
    return f'<a href="/account">{username}</a>' in client.get("/").text


def test_signup_form_has_labelled_fields(site: Site) -> None:
    html = site.client.get("/signup").text
    assert "<title>Sign up · paperwire</title>" in html
    for field in ("username", "email", "password"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert 'name="csrf_token"' in html


def test_signup_logs_in_and_redirects(site: Site) -> None:
    browser = site.new_client()
    response = post_form(
        browser,
        "/signup",
        {"username": "alice", "email": "alice@example.org", "password": PASSWORD, "next": "/"},
        page="/signup",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = set_cookie_header(response, SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http (base_url is http://)
    assert is_logged_in(browser, "alice")
    stored = site.service.store.people.password_hash(
        site.service.store.people.by_username("alice").id  # type: ignore[union-attr]
    )
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


BAD_SIGNUPS = [
    ({"username": "a", "password": PASSWORD}, "username: 3 to 40"),
    ({"username": "bob<script>", "password": PASSWORD}, "username: 3 to 40"),
    ({"username": "bobby", "password": "short"}, "password: at least 10 characters"),
    ({"username": "bobby", "email": "not-an-address", "password": PASSWORD}, "e-mail"),
]


def test_signup_with_bad_values_says_what_is_wrong(site: Site) -> None:
    for form, message in BAD_SIGNUPS:
        response = post_form(site.client, "/signup", form, page="/signup")
        assert response.status_code == 400, form
        assert message in response.text, form
        assert 'role="alert"' in response.text
        main = response.text.split("<main", 1)[1]
        assert "<script>" not in main
        if "<" not in form["username"]:
            assert f'value="{form["username"]}"' in main  # what was typed stays


def test_signup_with_a_taken_name_is_refused(site: Site) -> None:
    site.user("alice")
    response = post_form(
        site.client, "/signup", {"username": "ALICE", "password": PASSWORD}, page="/signup"
    )
    assert response.status_code == 400
    assert "that username is already registered" in response.text


def test_login_wrong_password_then_right_one(site: Site) -> None:
    site.user("alice")
    browser = site.new_client()
    wrong = post_form(browser, "/login", {"username": "alice", "password": "wrong password!"})
    assert wrong.status_code == 403
    assert "wrong username or password" in wrong.text
    assert 'value="alice"' in wrong.text
    unknown = post_form(browser, "/login", {"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 403
    assert "wrong username or password" in unknown.text  # no hint which one was wrong
    right = post_form(
        browser,
        "/login",
        {"username": "alice", "password": PASSWORD, "next": f"/papers/{REAL_ID}"},
    )
    assert right.status_code == 303
    assert right.headers["location"] == f"/papers/{REAL_ID}"
    assert is_logged_in(browser, "alice")


def test_login_never_redirects_off_site(site: Site) -> None:
    site.user("alice")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"):
        browser = site.new_client()
        response = post_form(
            browser, "/login", {"username": "alice", "password": PASSWORD, "next": target}
        )
        assert response.status_code == 303, target
        assert response.headers["location"] == "/", target


def test_login_form_keeps_next(site: Site) -> None:
    html = site.client.get(f"/login?next=/papers/{REAL_ID}").text
    assert f'name="next" value="/papers/{REAL_ID}"' in html
    evil = site.client.get("/login?next=https://evil.example/").text
    assert 'name="next" value="/"' in evil


def test_secure_cookies_behind_https(settings: Settings, seeded: object) -> None:
    app = create_app(dataclasses.replace(settings, base_url="https://papers.example.org"))
    with TestClient(app, follow_redirects=False) as browser:
        site = Site(app, app.state.service, browser)
        site.user("alice")
        first = browser.get("/login")
        assert "secure" in set_cookie_header(first, CSRF_COOKIE).lower()
        # The test client speaks http, and a browser would not send a Secure cookie back
        # over it; hand the CSRF cookie over explicitly.
        browser.cookies.set(CSRF_COOKIE, first.cookies[CSRF_COOKIE])
        response = post_form(browser, "/login", {"username": "alice", "password": PASSWORD})
        assert response.status_code == 303
        cookie = set_cookie_header(response, SESSION_COOKIE).lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_logout_ends_the_session(site: Site) -> None:
    browser = site.logged_in("alice")
    token = browser.cookies[SESSION_COOKIE]
    response = post_form(browser, "/logout", page="/")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert f'{SESSION_COOKIE}=""' in set_cookie_header(response, SESSION_COOKIE)
    assert not is_logged_in(browser, "alice")
    # The old cookie is dead on the server too, not only forgotten by this browser.
    replay = site.new_client()
    replay.cookies.set(SESSION_COOKIE, token)
    assert not is_logged_in(replay, "alice")
    assert site.client.get("/logout").status_code == 405  # state never changes on GET


def test_account_page_needs_a_login(site: Site) -> None:
    response = site.client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
    browser = site.logged_in("alice")
    html = browser.get("/account").text
    assert "<title>Your account · paperwire</title>" in html
    for label in ("c-name", "old", "new", "del-pw"):
        assert f'<label for="{label}">' in html


def test_change_password_logs_out_other_sessions(site: Site) -> None:
    here = site.logged_in("alice")
    elsewhere = site.new_client()
    assert post_form(elsewhere, "/login", {"username": "alice", "password": PASSWORD}).is_redirect
    assert is_logged_in(elsewhere, "alice")

    wrong = post_form(
        here, "/account/password", {"old": "not my password", "new": "a new password 42"}
    )
    assert wrong.status_code == 400
    assert "the current password is not right" in wrong.text
    post_form(here, "/collections", {"name": "Kept"}, page="/account")
    wrong = post_form(here, "/account/password", {"old": "not again", "new": "a new password 42"})
    assert "/u/alice/c/kept" in wrong.text and "No collections yet." not in wrong.text
    short = post_form(here, "/account/password", {"old": PASSWORD, "new": "short"})
    assert short.status_code == 400
    assert "password: at least 10 characters" in short.text

    done = post_form(here, "/account/password", {"old": PASSWORD, "new": "a new password 42"})
    assert done.status_code == 303
    assert done.headers["location"] == "/account?done=password"
    assert "your other sessions were logged out" in here.get("/account?done=password").text
    assert is_logged_in(here, "alice")
    assert not is_logged_in(elsewhere, "alice")
    fresh = site.new_client()
    old = post_form(fresh, "/login", {"username": "alice", "password": PASSWORD})
    assert old.status_code == 403
    new = post_form(fresh, "/login", {"username": "alice", "password": "a new password 42"})
    assert new.status_code == 303


def test_delete_account_removes_the_user_and_their_data(site: Site) -> None:
    alice = site.logged_in("alice")
    bob = site.logged_in("bob")
    post_form(alice, f"/papers/{REAL_ID}/vote", page="/")
    post_form(bob, f"/papers/{REAL_ID}/vote", page="/")
    post_form(alice, f"/papers/{REAL_ID}/comments", {"body": "alice was here"}, page="/")
    post_form(bob, f"/papers/{REAL_ID}/comments", {"body": "bob was here"}, page="/")
    post_form(alice, "/collections", {"name": "Mine", "public": "on"}, page="/account")
    assert alice.get("/u/alice/c/mine").status_code == 200

    refused = post_form(alice, "/account/delete", {"password": "not my password"})
    assert refused.status_code == 400
    assert "the password is not right" in refused.text
    # The page keeps what it showed: the collection is still listed, not "No collections yet."
    assert "/u/alice/c/mine" in refused.text and "No collections yet." not in refused.text
    response = post_form(alice, "/account/delete", {"password": PASSWORD})
    assert response.status_code == 200
    assert "Your account is deleted" in response.text
    gone = "The account alice and its votes, comments, collections and For you signals are gone"
    assert gone in response.text
    assert 'href="/account"' not in response.text  # the header no longer shows a login
    assert not is_logged_in(alice, "alice")

    store = site.service.store
    assert store.people.by_username("alice") is None
    assert store.community.card_counts([REAL_ID]).votes == {REAL_ID: 1}  # bob's vote stays
    assert [c.body for c in store.community.comments_for(REAL_ID)] == ["bob was here"]
    page = site.client.get(f"/papers/{REAL_ID}").text
    assert "alice was here" not in page and "bob was here" in page
    assert site.client.get("/u/alice/c/mine").status_code == 404
    again = post_form(site.new_client(), "/login", {"username": "alice", "password": PASSWORD})
    assert again.status_code == 403


# -- CSRF ----------------------------------------------------------------------------------
CSRF_POSTS = [
    ("/login", {"username": "alice", "password": PASSWORD}),
    ("/signup", {"username": "mallory", "password": PASSWORD}),
    ("/logout", {}),
    (f"/papers/{REAL_ID}/vote", {}),
    (f"/papers/{REAL_ID}/comments", {"body": "forged"}),
    ("/collections", {"name": "forged"}),
    ("/submit", {"paper": REAL_ID}),
    ("/account/password", {"old": PASSWORD, "new": "forged password 1"}),
    ("/account/delete", {"password": PASSWORD}),
]


def test_posts_without_a_valid_csrf_token_are_refused(site: Site) -> None:
    alice = site.logged_in("alice")
    # A valid token, but minted for another visitor's cookie (what an attacker can get).
    stolen = csrf_of(site.new_client())
    token = csrf_of(alice)
    for url, form in CSRF_POSTS:
        missing = alice.post(url, data=form)
        assert missing.status_code == 403, url
        assert "this form expired or came from another site" in missing.text
        wrong = alice.post(url, data={**form, "csrf_token": "0" * 64})
        assert wrong.status_code == 403, url
        assert alice.post(url, data={**form, "csrf_token": stolen}).status_code == 403, url
        # The right token without its cookie (a cross-site POST where it is withheld).
        bare = site.new_client()
        bare.cookies.set(SESSION_COOKIE, alice.cookies[SESSION_COOKIE])
        assert bare.post(url, data={**form, "csrf_token": token}).status_code == 403, url
    # Nothing happened: alice is still logged in with her password, nothing was created.
    assert is_logged_in(alice, "alice")
    assert site.service.store.community.comments_for(REAL_ID) == []
    assert site.service.store.community.card_counts([REAL_ID]).votes == {}
