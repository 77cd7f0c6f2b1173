"""The "For you" tab on the real app: signed-in only, an honest cold start, then the user's
own ranking with why each paper is there (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re

import feedparser  # type: ignore[import-untyped]
import rispy
from bibtexparser.entrypoint import parse_string
from fastapi.testclient import TestClient
from pages_helpers import SNAPSHOT_DAY, Site, assert_inert, post_form


def test_for_you_is_for_signed_in_users(site: Site) -> None:
    assert site.client.get("/for-you").headers["location"] == "/login?next=/for-you"
    assert "For you</a>" not in site.client.get("/").text  # the tab shows only when signed in


def test_cold_start_then_a_ranking_that_says_why(site: Site) -> None:
    browser = site.logged_in("alice")
    cold = browser.get("/for-you")
    assert cold.status_code == 200
    assert "it needs at least 3, and you have 0" in cold.text
    assert '<a href="/for-you" aria-current="page">For you</a>' in cold.text
    assert 'class="why"' not in cold.text

    liked = [p.id for p in site.service.store.papers.iter_papers() if p.first_seen == SNAPSHOT_DAY]
    for paper_id in liked[:3]:
        voted = post_form(browser, f"/papers/{paper_id}/vote", page=f"/papers/{paper_id}")
        assert voted.status_code == 303
    # The votes count at the next page load: no model to wait for.
    ranked = browser.get("/for-you")
    assert "ranked for alice from the 3 papers you upvoted" in ranked.text
    assert "needs at least" not in ranked.text
    assert '<p class="why">' in ranked.text
    assert all(f'id="paper-{paper_id}"' not in ranked.text for paper_id in liked[:3])
    assert_inert(ranked.text)  # hostile titles among the candidates stay inert
    week = browser.get("/for-you?period=week")
    assert week.status_code == 200 and "this week" in week.text


def _vote(browser: TestClient, paper_id: str) -> None:
    voted = post_form(browser, f"/papers/{paper_id}/vote", page=f"/papers/{paper_id}")
    assert voted.status_code == 303


def _day_papers(site: Site) -> list[str]:
    return [p.id for p in site.service.store.papers.iter_papers() if p.first_seen == SNAPSHOT_DAY]


def test_a_vote_shows_at_the_next_load_of_a_kept_ranking(site: Site) -> None:
    browser = site.logged_in("alice")
    day = _day_papers(site)
    for paper_id in day[:3]:
        _vote(browser, paper_id)
    first = browser.get("/for-you")
    assert "from the 3 papers you upvoted" in first.text
    assert browser.get("/for-you").text.count('class="why"') == first.text.count('class="why"')
    # The ranking is kept now; the next vote changes the signals, so the next load refits.
    _vote(browser, day[3])
    after = browser.get("/for-you")
    assert "from the 4 papers you upvoted" in after.text
    assert f'id="paper-{day[3]}"' not in after.text  # liked papers leave the list at once
    _vote(browser, day[3])  # and an undone vote comes back as undone
    assert "from the 3 papers you upvoted" in browser.get("/for-you").text


def test_the_private_feed_parses_and_refuses_wrong_tokens(site: Site) -> None:
    browser = site.logged_in("alice")
    for paper_id in _day_papers(site)[:3]:
        _vote(browser, paper_id)
    page = browser.get("/for-you").text
    found = re.search(r'href="(/for-you/feed/([^"/]+)\.xml)"', page)
    assert found is not None
    url, token = found.group(1), found.group(2)
    anonymous = site.new_client()  # a feed reader: no session, the URL is the secret
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    assert response.headers["x-robots-tag"] == "noindex"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "paperwire: for alice"
    listed = re.findall(r'id="paper-([^"]+)"', page)
    assert [e.link.rsplit("/papers/", 1)[1] for e in parsed.entries] == listed
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "nonsense", token + "x"):
        assert anonymous.get(f"/for-you/feed/{bad}.xml").status_code == 404
    # Another account's token is its own feed, never alice's; a digest feed token is refused.
    bob = site.logged_in("bob")
    bobs = re.search(r'href="/for-you/feed/([^"/]+)\.xml"', bob.get("/for-you").text)
    assert bobs is not None and bobs.group(1) != token
    assert "for bob" in anonymous.get(f"/for-you/feed/{bobs.group(1)}.xml").text
    digest_token = site.service.notices.tokens.feed(1, 1)
    assert anonymous.get(f"/for-you/feed/{digest_token}.xml").status_code == 404
    # Deleted with the account.
    alice = site.service.store.people.by_username("alice")
    assert alice is not None
    site.service.store.people.delete_user(alice.id)
    assert anonymous.get(url).status_code == 404


def test_the_for_you_list_exports_parse_back(site: Site) -> None:
    browser = site.logged_in("alice")
    for paper_id in _day_papers(site)[:3]:
        _vote(browser, paper_id)
    page = browser.get("/for-you").text
    listed = re.findall(r'id="paper-([^"]+)"', page)
    assert listed
    for ext in ("bib", "ris", "json"):
        assert f'href="/for-you/export.{ext}" download' in page
    bib = browser.get("/for-you/export.bib")
    assert bib.status_code == 200 and bib.headers["cache-control"] == "private, no-cache"
    assert bib.headers["content-disposition"].startswith('attachment; filename="for-you-alice-')
    entries = parse_string(bib.text).entries
    assert len(entries) == len(listed)
    ris = rispy.loads(browser.get("/for-you/export.ris").text)
    assert [r["title"] for r in ris] == [e.fields_dict["title"].value.strip("{}") for e in entries]
    items = json.loads(browser.get("/for-you/export.json").text)
    assert len(items) == len(listed)
    week = browser.get("/for-you/export.json?period=week")
    assert week.status_code == 200 and "-week.json" in week.headers["content-disposition"]
    assert browser.get("/for-you/export.pdf").status_code == 404
    assert site.new_client().get("/for-you/export.bib").status_code in (302, 303, 307)
