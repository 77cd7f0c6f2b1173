"""Feeds: home (latest day), day, week, month, trending, author and category pages, their
navigation and pagination, and 400s for malformed periods and page numbers."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from pages_helpers import HOSTILE_ID, NEWEST_DAY, OLDER_DAY, REAL_ID, Site

from paperwire.ingest import import_items
from paperwire.web import feed_pages


def card_ids(html: str) -> list[str]:
    return re.findall(r'<article class="card" id="paper-([^"]+)"', html)


def test_home_shows_the_latest_day_with_everything_a_card_carries(site: Site) -> None:
    response = site.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<title>Monday, 02 March 2026 · paperwire</title>" in html
    ids = card_ids(html)
    assert len(ids) == 15  # the 14 HF papers of that day and the hostile one
    assert ids[0] == REAL_ID  # most upvoted first (36)
    first = html[html.index(f'id="paper-{REAL_ID}"') :]
    first = first[: first.index("</article>")]
    assert "dLLM: Simple Diffusion Language Modeling" in first
    assert '<a href="/authors/Zhanhui%20Zhou">Zhanhui Zhou</a>' in first
    assert '<details class="abstract">' in first  # the abstract expands
    # The arXiv submission date (its first version), not the day it was listed.
    assert 'submitted <time datetime="2026-02-26">26 Feb 2026</time>' in first
    assert '<span class="count" data-count>36</span>' in first
    assert "0 comments" in first
    assert '<span class="badge new">new</span>' in first
    assert 'submitted by <a href="/u/ZHZisZZ">ZHZisZZ</a>' in first
    # The stars are a link to the code; arXiv and the PDF are a click away.
    assert (
        '<a href="https://github.com/ZHZisZZ/dllm" rel="noopener">Code ★ 1830'
        '<span class="visually-hidden"> stars</span></a>'
    ) in first
    assert f'<a href="https://arxiv.org/abs/{REAL_ID}">arXiv</a>' in first
    assert f'<a href="https://arxiv.org/pdf/{REAL_ID}">PDF</a>' in first
    # Without JavaScript an upvote comes back to this card.
    assert f'<input type="hidden" name="next" value="/#paper-{REAL_ID}">' in first
    assert '<a class="chip" href="/categories/cs.CL">cs.CL</a>' in html  # on the hostile card
    # Previous day with papers, no next day (this is the newest).
    assert f'rel="prev" href="/papers/date/{OLDER_DAY.isoformat()}"' in html
    assert 'rel="next"' not in html


def test_day_page_and_its_neighbours(site: Site) -> None:
    response = site.client.get(f"/papers/date/{OLDER_DAY.isoformat()}")
    assert response.status_code == 200
    assert "Monday, 16 June 2025" in response.text
    assert len(card_ids(response.text)) == 9
    assert f'rel="next" href="/papers/date/{NEWEST_DAY.isoformat()}"' in response.text
    # The papers of the older day are outside the "new" window.
    assert "badge new" not in response.text
    empty = site.client.get("/papers/date/2020-01-01")
    assert empty.status_code == 200
    assert "No papers here yet" in empty.text


MALFORMED = [
    "/papers/date/2026-13-01",
    "/papers/date/2026-02-30",
    "/papers/date/yesterday",
    "/papers/date/2026-3-2x",
    "/papers/week/2026-W54",
    "/papers/week/2026-W00",
    "/papers/week/2025-W53",  # 2025 has 52 ISO weeks
    "/papers/week/2026-03",
    "/papers/week/W10",
    "/papers/month/2026-13",
    "/papers/month/2026-00",
    "/papers/month/March",
    "/papers/month/2026-3",
    "/?p=-1",
    "/?p=abc",
    "/?p=1.5",
    "/?p=99999999",
    "/papers/trending?p=x",
    "/categories/cs.CL?p=-3",
]


def test_malformed_periods_and_pages_are_400_with_a_message(site: Site) -> None:
    # One app for all the cases (read-only requests): a fresh store per case costs a second.
    for path in MALFORMED:
        response = site.client.get(path)
        assert response.status_code == 400, path
        assert "Bad request" in response.text
        message = re.search(r"<h1>Bad request</h1>\s*<p>([^<]+)</p>", response.text)
        assert message and len(message.group(1)) > 10, f"{path}: the page says what was wrong"
        as_json = site.client.get(path, headers={"Accept": "application/json"})
        assert as_json.status_code == 400, path
        assert as_json.json()["status"] == 400
        assert as_json.json()["error"] == message.group(1).replace("&#39;", "'"), path


def test_latest_week_and_month_redirect_to_the_newest_period(site: Site) -> None:
    week = site.client.get("/papers/week")
    assert week.status_code == 303
    assert week.headers["location"] == "/papers/week/2026-W10"
    month = site.client.get("/papers/month")
    assert month.status_code == 303
    assert month.headers["location"] == "/papers/month/2026-03"


def test_week_and_month_views(site: Site) -> None:
    week = site.client.get("/papers/week/2026-W10")
    assert week.status_code == 200
    assert "<h1>Week 10, 2026</h1>" in week.text
    assert len(card_ids(week.text)) == 15
    assert 'rel="prev" href="/papers/week/2025-W25"' in week.text
    assert 'aria-current="page">Weekly' in week.text
    month = site.client.get("/papers/month/2025-06")
    assert month.status_code == 200
    assert "<h1>June 2025</h1>" in month.text
    assert len(card_ids(month.text)) == 9
    assert 'rel="next" href="/papers/month/2026-03"' in month.text


def test_trending_ranks_upvoted_papers_of_the_last_days(site: Site) -> None:
    response = site.client.get("/papers/trending")
    assert response.status_code == 200
    assert "<h1>Trending</h1>" in response.text
    ids = card_ids(response.text)
    assert REAL_ID in ids
    assert all(i != "0704.0001" for i in ids)  # no votes, long ago
    assert 'type="application/rss+xml" title="Trending papers"' in response.text


def test_pagination_degrades_to_links(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_pages, "PAGE_SIZE", 4)
    first = site.client.get("/")
    assert card_ids(first.text)[0] == REAL_ID
    assert "page 1 of 4" in first.text
    assert '<a rel="next" href="/?p=1">' in first.text
    second = site.client.get("/?p=1")
    assert "page 2 of 4" in second.text
    assert '<a rel="prev" href="/?p=0">' in second.text
    seen = set()
    for page in range(4):
        seen.update(card_ids(site.client.get(f"/?p={page}").text))
    assert len(seen) == 15  # every paper exactly once over the pages
    assert card_ids(site.client.get("/?p=9").text) == []


def test_author_page_lists_their_papers(site: Site) -> None:
    response = site.client.get("/authors/Zhanhui%20Zhou")
    assert response.status_code == 200
    assert "<title>Zhanhui Zhou · paperwire</title>" in response.text
    assert REAL_ID in card_ids(response.text)
    nobody = site.client.get("/authors/Nobody%20Atall")
    assert nobody.status_code == 200
    assert card_ids(nobody.text) == []


def test_category_page_lists_its_papers(site: Site) -> None:
    response = site.client.get("/categories/cs.CL")
    assert response.status_code == 200
    assert "<h1>cs.CL</h1>" in response.text
    ids = card_ids(response.text)
    assert HOSTILE_ID in ids
    assert 'href="/feeds/category/cs.CL.xml"' in response.text
    physics = site.client.get("/categories/hep-ph")
    assert "0704.0001" in card_ids(physics.text)


def test_an_author_name_without_a_searchable_word_lists_nobody(site: Site) -> None:
    # "-" and one 45-letter word analyse to nothing; dropping that filter listed every paper.
    for path in ("/authors/-", "/authors/" + "q" * 45):
        response = site.client.get(path)
        assert response.status_code == 200
        assert card_ids(response.text) == [], path
    found = site.client.get("/search", params={"q": "author:" + "q" * 45, "mode": "lexical"})
    assert found.status_code == 200
    assert card_ids(found.text) == []


def test_weeks_and_months_at_the_ends_of_the_calendar_are_a_400(site: Site) -> None:
    for path in ("/papers/week/9999-W52", "/papers/month/9999-12", "/papers/month/0000-01"):
        assert site.client.get(path).status_code == 400, path
    for key, value in (("week", "9999-W52"), ("month", "9999-12"), ("month", "0000-01")):
        response = site.client.get("/api/daily_papers", params={key: value})
        assert response.status_code == 400, (key, value)
    assert site.client.get("/papers/week/9998-W52").status_code == 200
    assert site.client.get("/papers/month/9998-12").status_code == 200


def test_old_papers_imported_late_say_when_arxiv_had_them_and_are_not_new(site: Site) -> None:
    # A 2007 paper (the real 0704.0001, under another id) imported "today" from a source
    # without a listing day: on today's feed, but not new, and dated and versioned as arXiv
    # has it.
    import_day = date(2026, 12, 1)
    known = site.service.papers.get("0704.0001")
    late = dataclasses.replace(known, id="0704.9999", first_seen=None, sources=["test"])
    import_items(site.service.store, [("test", late)], today=import_day)
    page = site.client.get(f"/papers/date/{import_day.isoformat()}").text
    card = page[page.index('id="paper-0704.9999"') :]
    card = card[: card.index("</article>")]
    assert 'submitted <time datetime="2007-04-02">2 Apr 2007</time> · v2' in card
    assert "badge new" not in card
