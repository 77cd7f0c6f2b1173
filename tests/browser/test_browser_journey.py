"""A person's journey through paperwire in a real browser (headless Chromium): sign up, log
out and in, search, open a paper, upvote (in place with JavaScript, by form POST without),
comment with a link, submit a paper, make a collection, log out. At phone (360 px) and
desktop (1280 px) widths, in light and dark schemes; keyboard reachable; never wider than
the phone; no console errors, CSP violations or requests to other hosts. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

PASSWORD = "correct horse battery staple"
# arXiv snapshot papers: in the store, never on a community feed (one per journey: the first
# submitter keeps the credit).
SUBMIT_IDS = {360: "0704.0002", 1280: "0704.0003"}
_names = itertools.count(1)


class Watch:
    """What a page did that it should not: console errors (CSP violations are reported
    there), uncaught exceptions, requests to any other host, horizontal scrolling."""

    def __init__(self, page: Page, base: str, width: int) -> None:
        self.page, self.base, self.width = page, base, width
        self.problems: list[str] = []
        self.allowed: set[str] = set()  # URLs whose error status the test asked for
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.location.get("url") in self.allowed:
            return
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text} ({self.page.url})")

    def _request(self, request: Request) -> None:
        if not request.url.startswith((self.base, "data:", "about:")):
            self.problems.append(f"request to another host: {request.url}")

    def check_layout(self) -> None:
        """No horizontal scrolling: nothing is wider than the viewport."""
        wide = self.page.evaluate("document.scrollingElement.scrollWidth")
        assert wide <= self.width, f"{self.page.url} is {wide}px wide at {self.width}px"


@contextmanager
def browsing(
    browser: Browser, base: str, width: int, scheme: str, *, javascript: bool = True
) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(
        base_url=base,
        viewport={"width": width, "height": 800},
        color_scheme=scheme,  # type: ignore[arg-type]
        java_script_enabled=javascript,
    )
    page = context.new_page()
    watch = Watch(page, base, width)
    try:
        yield page, watch
    finally:
        context.close()
    assert watch.problems == []


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_up(page: Page, username: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name=username)).to_be_visible()


def log_in(page: Page, username: str) -> None:
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=username)).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def vote_button(page: Page) -> Any:
    return page.locator("article.paper .actions form[data-vote] button")


@pytest.mark.parametrize(
    ("width", "scheme"), [(360, "dark"), (1280, "light")], ids=["phone-dark", "desktop-light"]
)
def test_journey(
    browser: Browser,
    live_server: tuple[str, object],
    screenshots: Path,
    width: int,
    scheme: str,
) -> None:
    base, _app = live_server
    name = f"reader{width}{next(_names)}"
    prefix = f"journey-{width}-{scheme}"
    submit_id = SUBMIT_IDS[width]
    with browsing(browser, base, width, scheme) as (page, watch):
        page.goto("/")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(17, 19, 23)" if scheme == "dark" else "rgb(251, 251, 250)")
        expect(page.locator("h1")).to_have_text(re.compile(r"\w+day, \d\d \w+ \d{4}"))
        watch.check_layout()
        shot(page, screenshots, f"{prefix}-01-home")

        # Sign up (logged in at once), log out, log in again through the form.
        sign_up(page, name)
        watch.check_layout()
        log_out(page)
        log_in(page, name)

        # Search from the box in the header.
        page.get_by_role("searchbox", name="Search papers").fill("diffusion language")
        page.keyboard.press("Enter")
        expect(page.locator(".result-count")).to_contain_text("keyword match")
        expect(page.locator("p.snippet mark").first).to_be_visible()
        watch.check_layout()
        shot(page, screenshots, f"{prefix}-02-search")

        # Open the first result.
        first = page.locator("article.card .title a").first
        title = first.inner_text()
        first.click()
        expect(page.locator("h1")).to_contain_text(title)
        paper_url = page.url
        watch.check_layout()

        # Upvote: JavaScript updates the count in place (no page load).
        button = vote_button(page)
        before = int(button.locator("[data-count]").inner_text())
        page.evaluate("window.__sameDocument = true")
        button.click()
        expect(button.locator("[data-count]")).to_have_text(str(before + 1))
        expect(button).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("window.__sameDocument === true"), "the vote reloaded the page"
        assert page.url == paper_url

        # Comment with a link; it comes back escaped and clickable.
        page.get_by_label("Add a comment").fill(
            "Code: https://github.com/example/repo <b>not bold</b>"
        )
        page.get_by_role("button", name="Comment", exact=True).click()
        comment = page.locator("article.comment").last
        link = comment.locator('a[href="https://github.com/example/repo"]')
        expect(link).to_have_attribute("rel", "nofollow ugc noopener")
        expect(comment.locator(".comment-body")).to_contain_text("<b>not bold</b>")
        assert comment.locator(".comment-body b").count() == 0
        watch.check_layout()
        shot(page, screenshots, f"{prefix}-03-paper")

        # Submit a paper that is in the store.
        page.get_by_role("link", name="Submit").click()
        page.get_by_label("arXiv id or URL").fill(f"https://arxiv.org/abs/{submit_id}")
        page.get_by_role("button", name="Submit").click()
        expect(page).to_have_url(f"{base}/papers/{submit_id}")
        expect(page.locator(".facts dd").get_by_role("link", name=name)).to_be_visible()

        # Make a public collection with this paper, and visit its page.
        page.get_by_label("New collection").fill("Weekend reading")
        page.get_by_label("public").check()
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_role("button", name="✓ Weekend reading")).to_have_attribute(
            "aria-pressed", "true"
        )
        page.goto(f"/u/{name}/c/weekend-reading")
        expect(page.locator("h1")).to_have_text("Weekend reading")
        expect(page.locator(f'[id="paper-{submit_id}"]')).to_be_visible()
        watch.check_layout()
        shot(page, screenshots, f"{prefix}-04-collection")

        page.goto("/account")
        watch.check_layout()
        shot(page, screenshots, f"{prefix}-05-account")
        log_out(page)
        expect(page).to_have_url(f"{base}/")


def test_upvote_without_javascript(
    browser: Browser, live_server: tuple[str, object], screenshots: Path
) -> None:
    base, _app = live_server
    with browsing(browser, base, 360, "light") as (page, _):
        sign_up(page, f"nojs{next(_names)}")
    name = f"nojs{next(_names)}"
    with browsing(browser, base, 360, "light") as (page, _):
        sign_up(page, name)  # the form posts and redirects without any script
    with browsing(browser, base, 360, "light", javascript=False) as (page, watch):
        page.goto("/")
        log_in(page, name)
        page.locator("article.card .title a").first.click()
        button = vote_button(page)
        before = int(button.locator("[data-count]").inner_text())
        url = page.url
        with page.expect_navigation():
            button.click()  # a form POST, a 303, a GET of the same paper page
        assert page.url == url
        expect(vote_button(page).locator("[data-count]")).to_have_text(str(before + 1))
        expect(vote_button(page)).to_have_attribute("aria-pressed", "true")
        # Abstracts still expand (a <details> element, no script).
        page.goto("/")
        summary = page.locator("details.abstract summary").first
        summary.click()
        expect(page.locator("details.abstract").first).to_have_attribute("open", "")
        watch.check_layout()
        shot(page, screenshots, "nojs-360-light-home")


def test_keyboard_reaches_skip_link_and_search(
    browser: Browser, live_server: tuple[str, object]
) -> None:
    base, _app = live_server
    with browsing(browser, base, 1280, "light") as (page, _):
        page.goto("/")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Skip to content"
        box = page.locator("a.skip").bounding_box()
        assert box is not None and box["x"] >= 0, "the focused skip link is on screen"
        page.keyboard.press("Enter")
        # Following the link is not done when the key press returns (a CI run under load
        # read the URL before it): wait for it.
        expect(page).to_have_url(re.compile(r"#main$"))
        page.goto("/")
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "site-q":
                break
        else:
            pytest.fail("Tab never reached the search box")
        page.keyboard.type("transformer")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/search\?q=transformer"))
        # Every form field on the search and account pages has a label.
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
               .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
               .map(e => e.name)"""
        )
        assert unlabelled == []


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_look_right(
    browser: Browser,
    live_server: tuple[str, object],
    screenshots: Path,
    width: int,
    scheme: str,
) -> None:
    """Every kind of page, anonymous, at both widths and in both schemes: no horizontal
    scrolling, no console errors; a screenshot of each."""
    base, _app = live_server
    pages = {
        "home": "/",
        "trending": "/papers/trending",
        "week": "/papers/week",
        "search": "/search?q=video+generation",
        "search-empty": "/search?q=zzzqqqxx&mode=lexical",
        "paper": "/papers/2602.22661",
        "old-paper": "/papers/0704.0001",
        "category": "/categories/math.CO",
        "author": "/authors/Dawn%20Song",
        "signup": "/signup",
        "404": "/papers/2501.99999",
    }
    with browsing(browser, base, width, scheme) as (page, watch):
        watch.allowed.add(f"{base}/papers/2501.99999")  # Chromium logs the 404 it was sent
        for name, path in pages.items():
            response = page.goto(path)
            assert response is not None
            assert response.status < 500
            watch.check_layout()
            shot(page, screenshots, f"page-{name}-{width}-{scheme}")
