"""Shared pieces of the page tests: the seeded data's landmarks, hostile payloads, and helpers
to act as several people against one running app (imported by the test modules; the fixtures
live in conftest.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from paperwire.models import Paper, User, Version
from paperwire.service import Service

# What the test client returns (httpx's Response, or the fork newer Starlette uses).
Response = Any

PASSWORD = "correct horse battery staple"
NEWEST_DAY = date(2026, 3, 2)  # the later of the two HF listings imported below
OLDER_DAY = date(2025, 6, 16)
SNAPSHOT_LINES = 20
SNAPSHOT_DAY = date(2007, 5, 1)  # the snapshot papers' feed day (they carry no listing date)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
PAYLOADS = (SCRIPT, IMG, SVG)
# Markup that must never appear unescaped in any page (the payloads' live halves).
LIVE_MARKUP = ("<script>alert", "<img src=x", "<svg onload")

HOSTILE_ID = "2603.99901"
REAL_ID = "2602.22661"  # "dLLM: Simple Diffusion Language Modeling", HF 2026-03-02, 36 upvotes
SNAPSHOT_ID = "0704.0001"  # arXiv snapshot paper from 2007, never on a community feed
HOSTILE_AUTHOR = 'Mallory "><img src=x onerror=alert(1)>'


def hostile_papers() -> list[Paper]:
    """Papers as a hostile or broken source could deliver them: markup in every text field."""
    return [
        Paper(
            id=HOSTILE_ID,
            title=f"Attention is all you need {SCRIPT}",
            abstract=f"We study {IMG} injection and {SVG} in abstracts. " * 3,
            authors=[HOSTILE_AUTHOR, "Eve <b>Bold</b>"],
            categories=["cs.CL", "cs.<i>x"],
            comment=f"12 pages {SCRIPT}",
            journal_ref=IMG,
            first_seen=NEWEST_DAY,
            published=None,
            versions=[Version(1)],
            upvotes=3,
            ai_summary=f"summary {SCRIPT}",
            ai_keywords=[IMG],
            github_repo="javascript:alert(1)",
            project_page="javascript:alert(2)",
            sources=["test"],
        ),
    ]


@dataclass
class Site:
    """The app under test, its seeding service, and helpers to act as several people."""

    app: FastAPI
    service: Service
    client: TestClient  # the anonymous visitor (started the app's lifespan)

    def new_client(self) -> TestClient:
        """Another browser: its own cookie jar, the same running app."""
        return TestClient(self.app, follow_redirects=False)

    def user(self, name: str, *, admin: bool = False) -> User:
        email = f"{name}@example.org"
        if admin:  # as `paperwire user add --admin` does
            return self.service.accounts.add_user(name, email, PASSWORD, admin=True)
        # As the sign-up form does: add_user would make the first account an admin.
        return self.service.accounts.sign_up(name, email, PASSWORD)

    def logged_in(self, name: str, *, admin: bool = False) -> TestClient:
        """A new browser logged in as a new user ``name``."""
        self.user(name, admin=admin)
        browser = self.new_client()
        response = post_form(browser, "/login", {"username": name, "password": PASSWORD})
        assert response.status_code == 303, response.text
        return browser

    @property
    def app_service(self) -> Service:
        service: Service = self.app.state.service
        return service


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, page: str = "/login") -> str:
    """The CSRF token from a rendered form (as a browser would submit it)."""
    response = client.get(page)
    match = CSRF_RE.search(response.text)
    assert match, f"no CSRF field on {page}"
    return match.group(1)


def post_form(
    client: TestClient,
    url: str,
    data: dict[str, str] | None = None,
    *,
    page: str = "/login",
    headers: dict[str, str] | None = None,
) -> Response:
    """POST a form with a valid CSRF token taken from ``page``."""
    return client.post(
        url, data={"csrf_token": csrf_of(client, page), **(data or {})}, headers=headers
    )


_CONTROLS = re.compile(r"[\x00-\x20\x7f]")


class Inertness(HTMLParser):
    """Collects everything in a page that could run script or load from elsewhere."""

    def __init__(self, *, mail: bool = False) -> None:
        """``mail``: an HTML mail, whose inline styles are how mail is styled (no CSP)."""
        super().__init__(convert_charrefs=True)
        self.mail = mail
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and (values.get("src") or "").split("?")[0] != "/static/app.js":
            self.problems.append(f"script element {values}")
        if tag in ("iframe", "object", "embed", "img", "svg", "base", "meta") and tag != "meta":
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and values.get("http-equiv"):
            self.problems.append("meta http-equiv")
        if tag == "link" and (values.get("href") or "").startswith(("http:", "https:", "//")):
            self.problems.append(f"link to another host {values.get('href')}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "style" and not self.mail:
                self.problems.append(f"<{tag} style=...> (blocked by the CSP)")
            # Browsers drop tabs, line breaks and leading controls from a URL before reading
            # its scheme ("java\nscript:" runs), so the check does too.
            url = _CONTROLS.sub("", value or "").lower()
            if name in ("href", "src", "action", "formaction") and url.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")


def assert_inert(html: str, *, mail: bool = False) -> None:
    parser = Inertness(mail=mail)
    parser.feed(html)
    assert parser.problems == []
    for live in LIVE_MARKUP:
        assert live not in html
