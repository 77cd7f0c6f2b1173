"""The search page: one box, the query language help, filters as form fields, highlighted
snippets, result count and time, "no results" with suggestions, 400s for bad input."""

from __future__ import annotations

import re

import pytest
from pages_helpers import HOSTILE_ID, REAL_ID, Site


def result_ids(html: str) -> list[str]:
    return re.findall(r'<article class="card" id="paper-([^"]+)"', html)


def test_empty_search_page_has_the_box_the_help_and_the_filters(site: Site) -> None:
    response = site.client.get("/search")
    assert response.status_code == 200
    html = response.text
    assert "<title>Search · paperwire</title>" in html
    assert '<label for="q" class="visually-hidden">Query</label>' in html
    assert '<details class="help"><summary>Query language</summary>' in html
    for example in ("author:lecun", "cat:cs.CL", "since:2025-01-01", '<code>"exact phrase"</code>'):
        assert example in html
    for field in ('type="date" name="since"', 'type="date" name="until"', 'name="cat"'):
        assert field in html
    assert 'name="mode"' in html and 'name="sort"' in html
    assert result_ids(html) == []
    assert "result-count" not in html


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_results_have_count_time_and_highlighted_snippets(site: Site, mode: str) -> None:
    response = site.client.get("/search", params={"q": "diffusion language", "mode": mode})
    assert response.status_code == 200
    html = response.text
    assert "<title>diffusion language · Search · paperwire</title>" in html
    count = re.search(
        r'<p class="result-count">(\d+) keyword match(?:es)?(, ranked together with papers '
        r"close in meaning)?\s+· (\d+) ms",
        html,
    )
    assert count, "the page says how many keyword matches and how long it took"
    # Nothing is embedded here: neither mode claims that meaning ranked the list.
    assert not count.group(2)
    ids = result_ids(html)
    assert ids[0] == REAL_ID
    assert int(count.group(1)) >= len(ids) > 0
    assert '<p class="snippet">Although <mark>diffusion</mark> <mark>language</mark> models' in html
    assert f'value="{mode}" selected' in html  # the form remembers the mode


def test_no_results_suggests_what_to_try(site: Site) -> None:
    html = site.client.get("/search", params={"q": "zzzqqq xxyyzz", "mode": "lexical"}).text
    assert '<p class="result-count">0 keyword matches' in html
    assert "No papers match <strong>zzzqqq xxyyzz</strong>" in html
    assert "Try fewer or more general words." in html
    assert 'href="/search?q=zzzqqq%20xxyyzz&mode=semantic"' in html


def test_filter_fields_become_query_filters(site: Site) -> None:
    params = {"q": "injection", "cat": "cs.CL", "since": "2026-01-01", "until": "2026-12-31"}
    html = site.client.get("/search", params={**params, "mode": "lexical"}).text
    assert result_ids(html) == [HOSTILE_ID]
    assert 'name="since" value="2026-01-01"' in html  # the form keeps the filters
    assert 'name="cat" value="cs.CL"' in html
    outside = site.client.get(
        "/search", params={**params, "since": "2020-01-01", "until": "2020-12-31"}
    )
    assert result_ids(outside.text) == []


def test_words_still_have_to_match_when_a_filter_is_given(site: Site) -> None:
    html = site.client.get(
        "/search", params={"q": "diffusion", "cat": "cs.CL", "mode": "lexical"}
    ).text
    assert HOSTILE_ID not in result_ids(html)  # cs.CL, but never says "diffusion"


def test_query_language_filters_typed_in_the_box(site: Site) -> None:
    html = site.client.get("/search", params={"q": 'author:"Zhanhui Zhou"', "mode": "lexical"})
    assert result_ids(html.text) == [REAL_ID]
    phrase = site.client.get("/search", params={"q": '"diffusion duality"', "mode": "lexical"})
    assert result_ids(phrase.text) == ["2506.10892"]


def test_sort_by_date(site: Site) -> None:
    html = site.client.get(
        "/search", params={"q": "models", "mode": "lexical", "sort": "date"}
    ).text
    # Newest listing first (cards show the arXiv submission date, which can differ).
    days = [site.service.papers.get(i).first_seen for i in result_ids(html)]
    assert len(days) > 3 and days == sorted(days, reverse=True)


BAD_SEARCHES = [
    ({"q": "x", "mode": "fuzzy"}, "mode: use one of"),
    ({"q": "x", "sort": "bogus"}, "unknown sort"),
    ({"q": "x", "since": "2026-02-30"}, "since: expected a date as YYYY-MM-DD"),
    ({"q": "x", "until": "soon"}, "until: expected a date as YYYY-MM-DD"),
    ({"q": "x", "p": "-1"}, "p: must be between"),
    ({"q": "x", "p": "two"}, "p: expected a whole number"),
    ({"q": "since:2026-99-01"}, "is not a date"),
    ({"q": "author:"}, "nothing to search for"),
]


def test_bad_search_input_is_a_400_with_a_message(site: Site) -> None:
    for params, message in BAD_SEARCHES:
        response = site.client.get("/search", params=params)
        assert response.status_code == 400, params
        assert message in response.text.replace("&#39;", "'"), params
        as_json = site.client.get("/search", params=params, headers={"Accept": "application/json"})
        assert as_json.status_code == 400, params
        assert message in as_json.json()["error"], params


def test_search_pages_keep_the_query_in_their_links(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperwire.web import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    first = site.client.get("/search", params={"q": "language", "mode": "lexical"}).text
    assert 'href="/search?q=language&amp;mode=lexical&amp;sort=relevance&amp;p=1"' in first
    second = site.client.get("/search", params={"q": "language", "mode": "lexical", "p": "1"})
    assert second.status_code == 200
    assert set(result_ids(second.text)).isdisjoint(result_ids(first))
    # An upvote without JavaScript comes back to this very results page.

    assert 'name="next" value="/search?q=language&amp;mode=lexical&amp;p=1#paper-' in second.text


def test_a_misspelled_search_shows_the_correction_and_offers_the_words_as_typed(
    site: Site,
) -> None:
    html = site.client.get("/search", params={"q": "difusion langauge", "mode": "lexical"}).text
    assert (
        'Showing results for <a href="/search?mode=lexical&amp;sort=relevance&amp;'
        'q=diffusion%20language"><strong>diffusion language</strong></a>; search instead for '
        '<a href="/search?mode=lexical&amp;sort=relevance&amp;q=difusion%20langauge&amp;exact=1">'
        "difusion langauge</a>." in html
    )
    assert result_ids(html)[0] == REAL_ID
    typed = site.client.get(
        "/search", params={"q": "difusion langauge", "mode": "lexical", "exact": "1"}
    ).text
    assert result_ids(typed) == []
    assert "Did you mean" in typed and "<strong>diffusion language</strong>" in typed
