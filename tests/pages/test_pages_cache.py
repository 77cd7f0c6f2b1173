"""The anonymous feed-page cache: each visitor still gets their own CSRF token, logged-in
visitors never get a kept page, changes through the site show at once, changes from
elsewhere within the cache's lifetime."""

from __future__ import annotations

import re

from pages_helpers import CSRF_RE, REAL_ID, Site, post_form

from paperwire.web.rendering import PageCache


def count_on_home(html: str, paper_id: str) -> int:
    card = html[html.index(f'id="paper-{paper_id}"') :]
    found = re.search(r"data-count>(\d+)<", card)
    assert found
    return int(found.group(1))


def test_kept_pages_carry_each_visitors_own_token(site: Site) -> None:
    first, second = site.new_client(), site.new_client()
    one = first.get("/").text
    two = second.get("/").text  # served from the cache
    assert PageCache.SLOT not in one and PageCache.SLOT not in two
    token_one = CSRF_RE.search(one)
    token_two = CSRF_RE.search(two)
    assert token_one and token_two and token_one.group(1) != token_two.group(1)
    # Each token works with its own visitor's cookie (and not with the other's).
    login = {"username": "nobody", "password": "x" * 12}
    ok = first.post("/login", data={"csrf_token": token_one.group(1), **login})
    assert ok.status_code == 403 and "wrong username or password" in ok.text
    crossed = first.post("/login", data={"csrf_token": token_two.group(1), **login})
    assert "this form expired" in crossed.text


def test_changes_through_the_site_show_at_once(site: Site) -> None:
    before = count_on_home(site.client.get("/").text, REAL_ID)
    alice = site.logged_in("alice")
    post_form(alice, f"/papers/{REAL_ID}/vote", page="/")
    assert count_on_home(site.client.get("/").text, REAL_ID) == before + 1
    # alice sees her own page (her vote pressed), never the anonymous one.
    mine = alice.get("/").text
    card = mine[mine.index(f'id="paper-{REAL_ID}"') :]
    assert 'aria-pressed="true"' in card[: card.index("</article>")]
    assert '<a href="/account">alice</a>' in mine


def test_changes_from_elsewhere_show_within_the_cache_lifetime(site: Site) -> None:
    site.client.get("/")
    cache: PageCache = site.app.state.page_cache
    # The cache's own clock, stepped by hand: signing bob up (argon2) takes as long as it
    # takes, and the page is still kept until the clock says its lifetime is over.
    now = [1000.0]
    cache.clock = lambda: now[0]
    cache.clear()
    before = count_on_home(site.client.get("/").text, REAL_ID)
    user = site.user("bob")
    site.service.community.toggle_vote(user, REAL_ID)  # another process, the API, a script...
    assert count_on_home(site.client.get("/").text, REAL_ID) == before  # still kept
    now[0] += cache.seconds / 2
    assert count_on_home(site.client.get("/").text, REAL_ID) == before  # halfway: still kept
    now[0] += cache.seconds
    assert count_on_home(site.client.get("/").text, REAL_ID) == before + 1


def test_errors_and_other_pages_are_not_kept(site: Site) -> None:
    site.client.get("/?p=x")
    site.client.get(f"/papers/{REAL_ID}")
    site.client.get("/search?q=diffusion")
    site.client.get("/papers/trending")
    site.client.get("/")
    cache: PageCache = site.app.state.page_cache
    assert set(cache._pages) == {"/papers/trending?", "/?"}
