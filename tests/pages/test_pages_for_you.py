"""The "For you" tab on the real app: signed-in only, an honest cold start, then the user's
own ranking with why each paper is there (on SQLite and PostgreSQL)."""

from __future__ import annotations

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
