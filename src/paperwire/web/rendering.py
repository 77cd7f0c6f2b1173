"""Templates and the filters they use. Jinja2 autoescaping is on for every template: user text
(titles, abstracts, names, comments, queries) is always shown as text."""

from __future__ import annotations

import re
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


def path_quote(value: str) -> str:
    return quote(value, safe="")


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters.update(
    linkify=linkify,
    highlight=highlight,
    human_date=human_date,
    q=path_quote,
    web_url=web_url,
)
templates.env.globals.update(version=__version__)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    app = request.app
    base = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(app.state.secret, request.state.csrf_cookie),
        "base_url": app.state.settings.base_url.rstrip("/"),
        "path": request.url.path,
        # Where "next" links come back to: the query too, so voting on page 2 of a search
        # without JavaScript returns to page 2 of that search.
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
