"""Access tokens on the account page: made (shown once), listed, revoked; each account sees
and revokes only its own."""

from __future__ import annotations

import re

from pages_helpers import Site, post_form

from paperwire.models import TokenScope

SECRET_RE = re.compile(r'<code class="token-secret">(pwt_[A-Za-z0-9_-]+)</code>')


def test_make_list_and_revoke_a_token(site: Site) -> None:
    browser = site.logged_in("alice")
    page = browser.get("/account").text
    assert '<label for="t-name">' in page and '<option value="read-write">' in page

    made = post_form(browser, "/account/tokens", {"name": "Claude", "scope": "read-write"})
    assert made.status_code == 200
    secret = SECRET_RE.search(made.text)
    assert secret is not None and "shown only this once" in made.text
    service = site.app_service
    found = service.tokens.holder(secret.group(1))
    assert found is not None
    user, token = found
    assert (user.username, token.name, token.scope) == ("alice", "Claude", TokenScope.READ_WRITE)
    # Listed by its first characters only, never again in full.
    again = browser.get("/account").text
    assert secret.group(1) not in again and f"{token.prefix}…" in again

    gone = post_form(browser, f"/account/tokens/{token.id}/revoke")
    assert gone.status_code == 303 and gone.headers["location"] == "/account?done=revoked#tokens"
    assert service.tokens.holder(secret.group(1)) is None
    assert "Token revoked" in browser.get("/account?done=revoked").text


def test_bad_token_forms_say_what_is_wrong(site: Site) -> None:
    browser = site.logged_in("alice")
    for data, said in (
        ({"name": "", "scope": "read"}, "token name: give it a name"),
        ({"name": "x" * 101, "scope": "read"}, "token name: at most 100 characters"),
        ({"name": "ok", "scope": "admin"}, "scope: choose one of read, read-write"),
        ({"name": "ok"}, "scope: choose one of"),
    ):
        answer = post_form(browser, "/account/tokens", data)
        assert answer.status_code == 400 and said in answer.text, data
    assert site.app_service.tokens.of_user(site.app_service.accounts.user("alice")) == []


def test_nobody_revokes_another_accounts_token(site: Site) -> None:
    owner = site.user("alice")
    token, secret = site.app_service.tokens.create(owner, "mine", TokenScope.READ)
    mallory = site.logged_in("mallory")
    refused = post_form(mallory, f"/account/tokens/{token.id}/revoke")
    assert refused.status_code == 404
    assert site.app_service.tokens.holder(secret) is not None
    assert "mine" not in mallory.get("/account").text
    anonymous = post_form(site.new_client(), f"/account/tokens/{token.id}/revoke")
    assert anonymous.status_code in (401, 403)
    assert site.app_service.tokens.holder(secret) is not None
