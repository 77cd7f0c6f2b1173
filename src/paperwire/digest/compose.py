"""Composing mails (pure: the same inputs give the same bytes, no clock, no I/O).

Returns a ``mime.Mail`` rather than an ``email.message.EmailMessage``: the standard library
costs about 6 ms a message to build and flatten, a minute for 10,000 digests (see mime.py).

A digest is ``multipart/alternative``: a plain-text part, then an HTML part built for mail
clients rather than browsers (tables, inline CSS, no scripts, no remote images or fonts, so
nothing loads from elsewhere and nothing tracks the reader). Every value from a paper or a
person is escaped by Jinja2's autoescaping in the HTML part, and header values are stripped of
control characters, so no title, name or query can add markup or a header.

Headers: ``List-Unsubscribe`` (signed https link, plus RFC 8058's ``List-Unsubscribe-Post``
so mail clients unsubscribe with one POST), ``List-Id`` (one list per subscription: the
one-click link unsubscribes that subscription, and clients group by List-Id), and a
``Message-ID`` stable per (subscription, period), so a digest resent after a crash is the same
message to the recipient's server.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from paperwire.digest.mime import Mail, build
from paperwire.digest.model import DigestItem, Links, Period, Subscription

TEMPLATES = Path(__file__).parent / "templates"
ABSTRACT_CHARS = 280
MAX_AUTHORS = 6
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


@cache
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        # HTML templates escape everything; the .txt ones are plain text and must not.
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(short_date=short_date)
    return env


def short_date(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def header_text(text: str, limit: int = 120) -> str:
    """A value safe in a header: no control characters (no CR/LF injection), bounded."""
    cleaned = " ".join(_CONTROL.sub(" ", text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def site_host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


def message_id(subscription_id: int, period_end: date, host: str) -> str:
    return f"<digest-{subscription_id}-{period_end:%Y%m%d}@{host}>"


def excerpt(text: str, limit: int = ABSTRACT_CHARS) -> str:
    """One or two lines of an abstract, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(",;:") + " …"


def authors_line(authors: list[str]) -> str:
    if len(authors) <= MAX_AUTHORS:
        return ", ".join(authors)
    return ", ".join(authors[:MAX_AUTHORS]) + f" and {len(authors) - MAX_AUTHORS} more"


def period_label(period: Period) -> str:
    if period.start >= period.end:
        return short_date(period.end)
    return f"{short_date(period.start)} – {short_date(period.end)}"


def _sender(mail_from: str) -> str:
    name, address = parseaddr(header_text(mail_from, 300))
    return formataddr((name, address), charset="utf-8")


@lru_cache(maxsize=4096)
def _item(
    base: str,
    paper_id: str,
    title: str,
    authors: tuple[str, ...],
    text: str,
    upvotes: int,
    reason: str,
    arxiv: str | None,
) -> tuple[str, Markup]:
    """One paper as text and as HTML. Cached: on a given day thousands of digests show the
    same papers (every trending digest has the same top ten), and rendering them is most of
    what composing costs."""
    view = {
        "title": header_text(title, 500),
        "authors": authors_line(list(authors)),
        "excerpt": excerpt(text),
        "upvotes": upvotes,
        "page": f"{base}/papers/{quote(paper_id, safe='/')}",
        "arxiv": arxiv,
        "reason": reason,
    }
    env = _env()
    return (
        env.get_template("_item.txt").render(p=view).rstrip("\n") + "\n",
        Markup(env.get_template("_item.html").render(p=view)),
    )


def _views(items: list[DigestItem], base_url: str) -> list[dict[str, object]]:
    base = base_url.rstrip("/")
    out: list[dict[str, object]] = []
    for item in items:
        paper = item.paper
        text, html = _item(
            base,
            paper.id,
            paper.title,
            tuple(paper.authors),
            paper.ai_summary or paper.abstract,
            item.upvotes,
            item.reason,
            paper.abs_url,
        )
        out.append({"text": text, "html": html})
    return out


def compose_digest(
    *,
    to: str,
    subscription: Subscription,
    period: Period,
    items: list[DigestItem],
    links: Links,
    mail_from: str,
    sent_at: datetime,
) -> Mail:
    host = site_host(links.base_url)
    about = subscription.describe()
    n = len(items)
    label = period_label(period)
    context = {
        "about": about,
        "period": label,
        "frequency": subscription.frequency,
        "items": _views(items, links.base_url),
        "count": n,
        "links": links,
        "site": links.base_url.rstrip("/"),
    }
    env = _env()
    headers = [
        ("Subject", header_text(f"{about}: {n} paper{'' if n == 1 else 's'} · {label}", 150)),
        ("From", _sender(mail_from)),
        ("To", to),
        ("Date", format_datetime(sent_at)),
        ("Message-ID", message_id(subscription.id, period.end, host)),
        ("List-Id", f"<s{subscription.id}.digest.{host}>"),
        ("List-Unsubscribe", f"<{links.unsubscribe}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        # Keeps vacation responders from answering every digest (RFC 3834).
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
    ]
    return build(
        headers,
        env.get_template("digest.txt").render(context),
        env.get_template("digest.html").render(context),
    )


def compose_notice(
    *,
    to: str,
    kind: str,
    about: str,
    url: str,
    base_url: str,
    mail_from: str,
    sent_at: datetime,
    message_key: str,
) -> Mail:
    """A mail sent on request: ``confirm`` (double opt-in) or ``manage`` (a link to the
    preferences page). It is the only kind of mail an unconfirmed address ever receives."""
    host = site_host(base_url)
    context = {"about": about, "url": url, "site": base_url.rstrip("/"), "kind": kind}
    subject = (
        f"Confirm your paperwire subscription: {about}"
        if kind == "confirm"
        else "Your paperwire subscriptions"
    )
    env = _env()
    headers = [
        ("Subject", header_text(subject, 150)),
        ("From", _sender(mail_from)),
        ("To", to),
        ("Date", format_datetime(sent_at)),
        ("Message-ID", f"<{kind}-{message_key}@{host}>"),
        ("Auto-Submitted", "auto-generated"),
    ]
    return build(
        headers,
        env.get_template(f"{kind}.txt").render(context),
        env.get_template(f"{kind}.html").render(context),
    )
