"""Templates and the filters they use. Jinja2 autoescaping is on for every template: user text
(titles, abstracts, names, comments, queries) is always shown as text."""

from __future__ import annotations

import functools
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from paperwire import __version__
from paperwire.search.types import Snippet
from paperwire.web.assets import static_url
from paperwire.web.mathml import with_math
from paperwire.web.routing import paper_url
from paperwire.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"
_URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def linkify(text: str) -> Markup:
    """Escape user text, then turn http(s) URLs into links (rel=nofollow ugc, new tab)."""
    out: list[str] = []
    last = 0
    for match in _URL_RE.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        url = escape(match.group(0))
        out.append(f'<a href="{url}" rel="nofollow ugc noopener" target="_blank">{url}</a>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out).replace("\n", "<br>\n"))


def math(text: str) -> Markup:
    """Escaped text with its TeX formulas as MathML (titles, card summaries)."""
    return with_math(text)


def math_linkify(text: str) -> Markup:
    """``linkify`` with the TeX formulas as MathML (abstracts)."""
    return with_math(text, linkify)


def highlight(snippet: Snippet) -> Markup:
    """A snippet with its matches in <mark>, every other character escaped."""
    parts: list[str] = []
    last = 0
    for start, end in snippet.highlights:
        parts += [
            str(escape(snippet.text[last:start])),
            "<mark>",
            str(escape(snippet.text[start:end])),
            "</mark>",
        ]
        last = end
    parts.append(str(escape(snippet.text[last:])))
    return Markup("".join(parts))


def human_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d %b %Y").lstrip("0")


def web_url(value: str | None) -> str | None:
    """A link from a source (repository, project page) if it is http(s), else None: a
    ``javascript:`` or ``data:`` URL in imported data must never become a live link."""
    if not value:
        return None
    value = value.strip()
    try:
        scheme = urlsplit(value).scheme.lower()
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    return value if scheme in ("http", "https") else None


# Author names and categories repeat from card to card and page to page.
@functools.lru_cache(maxsize=16384)
def path_quote(value: str) -> str:
    return quote(value, safe="")


def author_links(names: list[str], limit: int = 6) -> Markup:
    """The first ``limit`` names, each a link to the author's page, then "and N more". In
    Python rather than a macro: every card has one, and a Jinja loop cost a tenth of a page."""
    links = ", ".join(
        f'<a href="/authors/{path_quote(name)}">{escape(name)}</a>' for name in names[:limit]
    )
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return Markup(links + more)


templates = Jinja2Templates(directory=str(TEMPLATES))
# The templates ship with the package and never change under a running server: without
# this, Jinja stats every template file (base, page, macros) on every render.
templates.env.auto_reload = False
templates.env.filters.update(
    linkify=linkify,
    author_links=author_links,
    math=math,
    math_linkify=math_linkify,
    highlight=highlight,
    human_date=human_date,
    q=path_quote,
    web_url=web_url,
)
# Paper links go through paper_url: an id is quoted, never pasted into a path.
templates.env.globals.update(version=__version__, paper_url=paper_url, static_url=static_url)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    *,
    csrf: str | None = None,
) -> HTMLResponse:
    """``csrf``: what to write where the visitor's CSRF token goes (PageCache.SLOT for a page
    that is cached and later served to other visitors)."""
    app = request.app
    base = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf or csrf_token(app.state.secret, request.state.csrf_cookie),
        "base_url": app.state.settings.public_url,
        "path": request.url.path,
        # Where "next" links come back to: the query too, so voting on page 2 of a search
        # without JavaScript returns to page 2 of that search.
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


class PageCache:
    """Pages that every anonymous visitor sees alike (the feeds), kept for a few seconds.

    The home page is the busiest URL and the same for everyone not logged in, yet building it
    takes about ten queries. Kept pages carry ``SLOT`` where the CSRF token goes; each visitor
    gets theirs substituted. Logged-in visitors never get a kept page (their votes show), and
    every change made through this process's forms empties the cache at once; changes from
    elsewhere (another worker, the API, an import) show after at most ``seconds``."""

    SLOT = "csrf-" + secrets.token_hex(16)  # hex: Jinja's escaping leaves it as it is

    def __init__(
        self,
        seconds: float = 2.0,
        capacity: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self.clock = clock  # settable: tests step it rather than sleep through ``seconds``
        self._pages: OrderedDict[str, tuple[float, int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[int, str] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            expires, status, body = found
            if expires < self.clock():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return status, body

    def put(self, key: str, status: int, body: str) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._pages[key] = (self.clock() + self.seconds, status, body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
