"""Delivery and feedback (issue 13, items 4, 9 and 10): compressed pages, the offline API
reference, robots.txt and the paged sitemap, Google Scholar's tags, heading levels, and the
answers a person gets to an empty comment, a delete, a featured paper and a feed's RSS link."""

from __future__ import annotations

import gzip
import itertools
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from pages_helpers import REAL_ID, SNAPSHOT_ID, SNAPSHOT_LINES, Site, post_form

from paperwire.web import site_pages

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


def heading_levels(html: str) -> list[int]:
    parser = Headings()
    parser.feed(html)
    return parser.levels


# -- compression -----------------------------------------------------------------------------
def test_pages_feeds_and_json_are_gzipped_for_clients_that_accept_it(site: Site) -> None:
    for path in ("/", f"/papers/{REAL_ID}", "/feeds/daily.xml", "/api/daily_papers"):
        plain = site.client.get(path, headers={"Accept-Encoding": "identity"})
        packed = site.client.get(path, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip", path
        assert "content-encoding" not in plain.headers, path
        assert "accept-encoding" in packed.headers["vary"].lower()
        # httpx decodes the body; the raw bytes on the wire are a fraction of the page.
        assert packed.content == plain.content
        assert len(gzip.compress(plain.content)) < len(plain.content) / 2


# -- the API reference -----------------------------------------------------------------------
def test_docs_serves_swagger_ui_from_the_package_under_the_csp(site: Site) -> None:
    page = site.client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert any("/static/swagger-ui-bundle.js?v=" in s for s in scripts)
    assert any("/static/docs.js?v=" in s for s in scripts)
    assert any("/static/swagger-ui.css?v=" in s for s in styles)
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it
    for url in [*scripts, *styles]:
        assert url.startswith("/static/")
        asset = site.client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 100, url
    bundle = site.client.get(next(s for s in scripts if "swagger-ui-bundle" in s)).text
    assert "SwaggerUIBundle" in bundle
    assert site.client.get("/openapi.json").json()["info"]["title"] == "paperwire"


# -- robots and the sitemap ------------------------------------------------------------------
def test_robots_names_the_sitemap_and_keeps_crawlers_off_forms(site: Site) -> None:
    robots = site.client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots.headers["content-type"].startswith("text/plain")
    lines = robots.text.splitlines()
    assert "User-agent: *" in lines and "Disallow: /account" in lines
    assert "Disallow: /login" not in lines  # a public page; blocking it costs SEO score
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines


def test_sitemap_is_an_index_of_bounded_pages_listing_every_live_paper(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_pages, "SITEMAP_PAGE", 10)
    total = site.service.papers.count()
    assert total == 9 + 14 + SNAPSHOT_LINES + 1  # two HF days, the snapshot, the hostile one
    index = ET.fromstring(site.client.get("/sitemap.xml").content)
    locs = [e.text for e in index.iter(f"{SITEMAP}loc")]
    base = "http://127.0.0.1:8000"
    pages = -(-total // 10)
    assert locs == [
        f"{base}/sitemap/site.xml",
        *(f"{base}/sitemap/papers-{n}.xml" for n in range(pages)),
    ]
    listed: list[str] = []
    for n in range(pages):
        response = site.client.get(f"/sitemap/papers-{n}.xml")
        assert response.headers["content-type"].startswith("application/xml")
        urls = ET.fromstring(response.content).findall(f"{SITEMAP}url")
        assert len(urls) <= 10
        listed += [u.findtext(f"{SITEMAP}loc") or "" for u in urls]
    assert len(listed) == len(set(listed)) == total
    assert f"{base}/papers/{SNAPSHOT_ID}" in listed
    snapshot = ET.fromstring(site.client.get("/sitemap/papers-0.xml").content)
    first = snapshot.find(f"{SITEMAP}url")
    assert first is not None and first.findtext(f"{SITEMAP}loc") == f"{base}/papers/{SNAPSHOT_ID}"
    updated = site.service.papers.get(SNAPSHOT_ID).updated
    assert updated and first.findtext(f"{SITEMAP}lastmod") == updated.date().isoformat()
    assert site.client.get(f"/sitemap/papers-{pages}.xml").status_code == 404
    site_map = ET.fromstring(site.client.get("/sitemap/site.xml").content)
    assert f"{base}/papers/trending" in [e.text for e in site_map.iter(f"{SITEMAP}loc")]


# -- paper pages -----------------------------------------------------------------------------
def test_paper_pages_carry_google_scholar_tags(site: Site) -> None:
    html = site.client.get(f"/papers/{SNAPSHOT_ID}").text
    head = html.split("</head>", 1)[0]
    meta = dict.fromkeys(re.findall(r'<meta name="(citation_[a-z_]+)"', head))
    assert {"citation_title", "citation_author", "citation_publication_date"} <= set(meta)
    assert (
        '<meta name="citation_title" content="Calculation of prompt diphoton production cross '
        'sections at Tevatron and LHC energies">'
    ) in head
    authors = re.findall(r'<meta name="citation_author" content="([^"]*)">', head)
    assert len(authors) == 4 and "P. M. Nadolsky" in authors
    assert '<meta name="citation_publication_date" content="2007/04/02">' in head
    assert f'<meta name="citation_pdf_url" content="https://arxiv.org/pdf/{SNAPSHOT_ID}">' in head
    assert '<meta name="citation_doi" content="10.1103/PhysRevD.76.013009">' in head


@pytest.mark.parametrize(
    "path", ["/", "/papers/trending", f"/papers/{REAL_ID}", "/search?q=language", "/u/ZHZisZZ"]
)
def test_headings_never_skip_a_level(site: Site, path: str) -> None:
    levels = heading_levels(site.client.get(path).text)
    assert levels and levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, (path, levels)


# -- feedback --------------------------------------------------------------------------------
def test_an_empty_comment_is_told_under_the_box_on_the_paper_page(site: Site) -> None:
    alice = site.logged_in("alice")
    page = f"/papers/{REAL_ID}"
    response = post_form(alice, f"{page}/comments", {"body": "   \n  "}, page=page)
    assert response.status_code == 400
    html = response.text
    assert (
        '<p class="error" id="comment-error" role="alert">comment: write something first</p>'
        in html
    )
    assert "<h1>" in html and "dLLM: Simple Diffusion Language Modeling" in html  # the page itself
    assert 'aria-invalid="true" aria-describedby="comment-error"' in html
    assert site.service.store.community.comments_for(REAL_ID) == []


def test_deleting_a_comment_or_a_collection_asks_first(site: Site) -> None:
    alice = site.logged_in("alice")
    page = f"/papers/{REAL_ID}"
    post_form(alice, f"{page}/comments", {"body": "to be deleted"}, page=page)
    html = alice.get(page).text
    confirm = html[html.index('<details class="confirm"><summary>Delete</summary>') :]
    confirm = confirm[: confirm.index("</details>")]
    # The delete button is inside the closed <details>: one click opens it, a second deletes.
    assert "Delete this comment? It cannot be undone." in confirm
    assert "/delete" in confirm and "Yes, delete it</button>" in confirm

    post_form(alice, "/collections", {"name": "Reading"}, page="/account")
    collection = alice.get("/u/alice/c/reading").text
    confirm = collection[collection.index('<details class="confirm">') :]
    assert "Delete “Reading”?" in confirm
    assert '<input type="hidden" name="delete" value="1">' in confirm
    # The Save form no longer carries a delete button of its own.
    save = collection[collection.index('class="stack"') : collection.index("</form>")]
    assert "delete" not in save.lower()


def test_author_and_category_pages_show_their_rss_link(site: Site) -> None:
    author = site.client.get("/authors/Zhanhui Zhou").text
    assert '<a href="/feeds/author/Zhanhui%20Zhou.xml">RSS feed</a>' in author
    category = site.client.get("/categories/hep-ph").text
    assert '<a href="/feeds/category/hep-ph.xml">RSS feed</a>' in category
    assert site.client.get("/feeds/category/hep-ph.xml").status_code == 200


def test_a_collection_page_shows_its_owners_name_as_written(site: Site) -> None:
    owner = site.logged_in("MixedCase")
    post_form(owner, "/collections", {"name": "Private one"}, page="/account")
    html = owner.get("/u/MixedCase/c/private-one").text
    assert 'Collection by <a href="/u/MixedCase">MixedCase</a> · private' in html
    byline = re.search(r'<p class="([^"]+)">Collection by', html)
    assert byline and byline.group(1) == "byline"
    css = site.client.get("/static/style.css").text
    rule = re.search(r"\.byline \{([^}]*)\}", css)
    assert rule and "uppercase" not in rule.group(1)
