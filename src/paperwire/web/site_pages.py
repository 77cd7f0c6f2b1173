"""The pages for machines and developers: the API reference (/docs, Swagger UI served from the
package), robots.txt and the sitemap.

The sitemap is an index (``/sitemap.xml``) of numbered pages, each at most ``SITEMAP_PAGE``
papers, so 200,000 papers are 20 small files (the protocol allows 50,000 URLs a file) and no
request reads more than one page of ids."""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from paperwire.web.forms import service_of
from paperwire.web.rendering import render
from paperwire.web.routing import paper_url

SITEMAP_PAGE = 10_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The lists worth crawling; the rest (forms, accounts, per-visitor pages) is not.
SITE_PATHS = ("/", "/papers/trending", "/papers/week", "/papers/month", "/search", "/subscribe")
XML = "application/xml; charset=utf-8"
CACHE = {"Cache-Control": "public, max-age=3600"}


def docs(request: Request) -> HTMLResponse:
    return render(request, "docs.html", {})


def robots(request: Request) -> PlainTextResponse:
    base = request.app.state.settings.public_url
    # Accounts, submissions and per-subscriber pages are not for search engines (log-in and
    # sign-up stay crawlable: they are public pages, and a blocked page is marked down).
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in ("/account", "/submit", "/digest/")),
        "Allow: /",
        f"Sitemap: {base}/sitemap.xml",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", headers=CACHE)


def sitemap_index(request: Request) -> Response:
    base = request.app.state.settings.public_url
    pages = -(-service_of(request).papers.count() // SITEMAP_PAGE)
    urls = [f"{base}/sitemap/site.xml", *(f"{base}/sitemap/papers-{n}.xml" for n in range(pages))]
    body = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>" for url in urls)
    return _xml(f'<sitemapindex xmlns="{SITEMAP_NS}">{body}</sitemapindex>')


def sitemap_site(request: Request) -> Response:
    base = request.app.state.settings.public_url
    return _xml(_urlset((f"{base}{path}", None) for path in SITE_PATHS))


def sitemap_papers(request: Request, page: int) -> Response:
    base = request.app.state.settings.public_url
    listing = service_of(request).papers.listing(page * SITEMAP_PAGE, SITEMAP_PAGE)
    if not listing and page > 0:
        raise HTTPException(404, f"the sitemap has no page {page}")
    return _xml(
        _urlset(
            (f"{base}{paper_url(paper_id)}", day.isoformat() if day else None)
            for paper_id, day in listing
        )
    )


def _urlset(entries: Iterable[tuple[str, str | None]]) -> str:
    parts = [f'<urlset xmlns="{SITEMAP_NS}">']
    for loc, lastmod in entries:
        parts.append(f"<url><loc>{escape(loc)}</loc>")
        if lastmod:
            parts.append(f"<lastmod>{lastmod}</lastmod>")
        parts.append("</url>")
    parts.append("</urlset>")
    return "".join(parts)


def _xml(body: str) -> Response:
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body, media_type=XML, headers=CACHE
    )
