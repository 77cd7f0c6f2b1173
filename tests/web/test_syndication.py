"""RSS and Atom feeds: each parses with feedparser without errors and with a strict XML parser,
holds the papers its page shows with absolute links, survives hostile titles, caches with
ETags, and a private collection has none."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient

from paperwire.service import Service
from paperwire.web.syndication import xml_text

FEEDS = [
    "/feeds/daily",
    "/feeds/trending",
    "/feeds/search.{fmt}?q=agents",
    "/feeds/category/cs.CR",
    "/feeds/category/hep-th",
    "/feeds/author/Chengsong%20Huang",
    "/u/alice/c/reading-list",
]
FORMATS = {"xml": ("rss20", "application/rss+xml"), "atom": ("atom10", "application/atom+xml")}


def _url(feed: str, fmt: str) -> str:
    return feed.format(fmt=fmt) if "{fmt}" in feed else f"{feed}.{fmt}"


def _parse(client: TestClient, url: str, fmt: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    version, media_type = FORMATS[fmt]
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    ET.fromstring(response.content)  # well-formed, by a parser that forgives nothing
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    return parsed


def _entry(parsed: Any, paper_id: str, base_url: str) -> Any:
    return next(e for e in parsed.entries if e.link == f"{base_url}/papers/{paper_id}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_is_valid_with_absolute_links(
    client: TestClient, web_data: Any, feed: str, fmt: str
) -> None:
    url = _url(feed, fmt)
    parsed = _parse(client, url, fmt)
    base = web_data.base_url
    assert parsed.entries
    assert parsed.feed.title.startswith("paperwire")
    assert parsed.feed.link.startswith(base + "/")
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [base + url]
    for entry in parsed.entries:
        assert entry.link.startswith(f"{base}/papers/")
        assert entry.id == entry.link  # the guid is the paper page
        assert entry.title
        assert entry.summary
        assert entry.get("published_parsed") or entry.get("updated_parsed")


@pytest.mark.parametrize("fmt", FORMATS)
def test_daily_feed_holds_the_latest_day(
    client: TestClient, web_service: Service, web_data: Any, fmt: str
) -> None:
    parsed = _parse(client, f"/feeds/daily.{fmt}", fmt)
    papers = [card.paper for card in web_service.feeds.daily(None, limit=50).cards]
    assert [e.link for e in parsed.entries] == [
        f"{web_data.base_url}/papers/{p.id}" for p in papers
    ]
    assert len(parsed.entries) == 17
    first = parsed.entries[0]
    assert first.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert [a["name"] for a in first.authors][:2] == ["Chengsong Huang", "Zifeng Wang"]
    day = web_data.newest_day
    stamp = first.published_parsed if fmt == "xml" else first.updated_parsed
    assert stamp[:3] == (day.year, day.month, day.day)
    assert parsed.feed.link == f"{web_data.base_url}/"


def test_feeds_match_their_pages(client: TestClient, web_service: Service, web_data: Any) -> None:
    base = web_data.base_url
    trending = _parse(client, "/feeds/trending.atom", "atom")
    expected = [card.paper.id for card in web_service.feeds.trending(limit=50).cards]
    assert [e.link for e in trending.entries] == [f"{base}/papers/{i}" for i in expected]
    author = _parse(client, "/feeds/author/Chengsong%20Huang.xml", "xml")
    assert f"{base}/papers/2608.19880" in [e.link for e in author.entries]
    assert author.feed.link == f"{base}/authors/Chengsong%20Huang"
    search = _parse(client, "/feeds/search.atom?q=EnvHarness", "atom")
    assert search.entries[0].link == f"{base}/papers/2608.19880"
    collection = _parse(client, "/u/alice/c/reading-list.atom", "atom")
    assert sorted(e.link for e in collection.entries) == sorted(
        f"{base}/papers/{i}" for i in web_data.public_ids
    )
    assert collection.feed.subtitle == "Agents & <worlds>"
    old = _parse(client, "/feeds/category/hep-th.xml", "xml")
    assert f"{base}/papers/{web_data.old_style_id}" in [e.link for e in old.entries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_titles_come_out_escaped_and_well_formed(
    client: TestClient, web_data: Any, fmt: str
) -> None:
    response = client.get(f"/feeds/category/cs.CR.{fmt}")
    body = response.content
    assert b"<script>" not in body
    assert b"\x01" not in body and b"\x0b" not in body and b"\x1f" not in body
    assert "\ufffe".encode() not in body
    parsed = _parse(client, f"/feeds/category/cs.CR.{fmt}", fmt)
    hostile, noncharacters = web_data.hostile
    entry = _entry(parsed, hostile.id, web_data.base_url)
    # The text arrives as written, minus the characters XML cannot carry.
    assert entry.title == '<script>alert(1)</script> & "quotes"  ]]> TeX $a<b$'
    assert entry.title_detail.type == "text/plain"
    expected = "We show x < y && y > z for \\alpha; <b>not bold</b> &amp; ]]>  end."
    if fmt == "atom":
        assert entry.summary_detail.type == "text/plain"
        assert entry.summary == expected
    else:
        # An RSS description is HTML to readers: the markup in the abstract stays text there.
        assert entry.summary_detail.type == "text/html"
        assert "<b>" not in entry.summary
        assert entry.summary == (
            "We show x &lt; y &amp;&amp; y &gt; z for \\alpha; &lt;b&gt;not bold&lt;/b&gt; "
            "&amp;amp; ]]&gt;  end."
        )
    assert [a["name"] for a in entry.authors][1:] == ["Ève & Sons"]
    # feedparser reads "Name <address>" as a name and an e-mail; the XML holds it as written.
    names = ".//{http://purl.org/dc/elements/1.1/}creator" if fmt == "xml" else ".//{*}name"
    assert "Mallory <m@example.org>" in [e.text for e in ET.fromstring(body).iterfind(names)]
    other = _entry(parsed, noncharacters.id, web_data.base_url)
    assert other.title == "Non-characters  and a form feed  in a title"
    assert "🧪" in other.summary


def test_xml_text_keeps_what_xml_allows() -> None:
    assert xml_text("tab\tline\nreturn\r ok é 🧪 \ue000") == "tab\tline\nreturn\r ok é 🧪 \ue000"
    assert xml_text("a\x00b\x08c\x0bd\x0ce\x1ff\x7fg\x85h\ud800i\ufffej\uffffk") == "abcdefghijk"


@pytest.mark.parametrize("fmt", FORMATS)
def test_private_and_missing_collections_have_no_feed(
    client: TestClient, web_data: Any, fmt: str
) -> None:
    assert client.get(f"/u/{web_data.owner}/c/{web_data.private_slug}.{fmt}").status_code == 404
    assert client.get(f"/u/{web_data.owner}/c/no-such-list.{fmt}").status_code == 404
    assert client.get(f"/u/nobody-here/c/reading-list.{fmt}").status_code == 404


def test_private_collection_feed_is_refused_even_to_its_owner(
    client: TestClient, web_data: Any
) -> None:
    _user, token = client.app.state.service.accounts.log_in(web_data.owner, web_data.password)  # type: ignore[attr-defined]
    client.cookies.set("pw_session", token)
    try:
        assert client.get(f"/u/{web_data.owner}/c/{web_data.private_slug}").status_code == 200
        url = f"/u/{web_data.owner}/c/{web_data.private_slug}.xml"
        assert client.get(url).status_code == 404
    finally:
        client.cookies.delete("pw_session")


def test_bad_feed_requests(client: TestClient) -> None:
    assert client.get("/feeds/daily.json").status_code == 404
    assert client.get("/feeds/search.xml").status_code == 400
    assert client.get("/feeds/search.atom?q=%20").status_code == 400
    assert client.get("/feeds/search.xml?q=since:2026-99-99").status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_feed_with_no_papers_is_still_valid(client: TestClient, fmt: str) -> None:
    parsed = _parse(client, f"/feeds/category/no.such-category.{fmt}", fmt)
    assert parsed.entries == []
    assert parsed.feed.title == "paperwire: no.such-category"


def test_feeds_cache_with_etags(client: TestClient) -> None:
    first = client.get("/feeds/daily.atom")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.headers["cache-control"] == "public, max-age=300"
    assert client.get("/feeds/daily.atom").headers["etag"] == etag  # stable
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get("/feeds/daily.atom", headers={"If-None-Match": sent})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=300"
    changed = client.get("/feeds/daily.atom", headers={"If-None-Match": '"stale"'})
    assert changed.status_code == 200
    assert client.get("/feeds/daily.xml").headers["etag"] != etag
