"""Accessibility and feedback in a real browser: axe-core (the copy bundled in the
axe-playwright-python package; nothing is downloaded) on every kind of page, anonymous and
logged in, at 360 and 1280 px in light and dark: no serious or critical violation. Then the
API reference rendering under the CSP, a no-JavaScript upvote coming back to its card, and a
comment deleted only after its confirm step. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from test_browser_journey import browsing, shot, sign_up

_names = itertools.count(1)
AXE = Axe()
BLOCKING = ("serious", "critical")
# Swagger UI is a third-party widget: its own markup is theirs to fix, so axe checks the
# page around it (our header, heading, text and footer) and not inside it.
SWAGGER = "#swagger-ui"

ANONYMOUS = {
    "home": "/",
    "trending": "/papers/trending",
    "week": "/papers/week",
    "month": "/papers/month",
    "search": "/search?q=video+generation",
    "search-empty": "/search?q=zzzqqqxx&mode=lexical",
    "paper": "/papers/2602.22661",
    "old-paper": "/papers/0704.0001",
    "category": "/categories/math.CO",
    "author": "/authors/Dawn%20Song",
    "profile": "/u/ZHZisZZ",
    "signup": "/signup",
    "login": "/login",
    "subscribe": "/subscribe",
    "docs": "/docs",
    "404": "/papers/2501.99999",
}


def serious_violations(page: Page) -> list[str]:
    context: Any = {"exclude": [[SWAGGER]]} if page.locator(SWAGGER).count() else None
    results = AXE.run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}) on {page.url}: {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_any_page(
    browser: Browser,
    live_server: tuple[str, object],
    screenshots: Path,
    width: int,
    scheme: str,
) -> None:
    base, _app = live_server
    problems: list[str] = []
    with browsing(browser, base, width, scheme) as (page, watch):
        watch.allowed.add(f"{base}/papers/2501.99999")  # Chromium logs the 404 it was sent
        for name, path in ANONYMOUS.items():
            page.goto(path)
            if name == "docs":
                expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
            problems += serious_violations(page)
            shot(page, screenshots, f"axe-{name}-{width}-{scheme}")

        # Logged in: the pages only a member sees, with a collection and a comment on them.
        user = f"axe{width}{scheme}{next(_names)}"
        sign_up(page, user)
        page.goto("/papers/2602.22661")
        page.get_by_label("Add a comment").fill("A comment, to have one on the page.")
        page.get_by_role("button", name="Comment", exact=True).click()
        page.get_by_label("New collection").fill("Axe list")
        page.get_by_role("button", name="Add").click()
        for name, path in {
            "paper-member": "/papers/2602.22661",
            "account": "/account",
            "collection": f"/u/{user}/c/axe-list",
            "submit": "/submit",
            "home-member": "/",
            "for-you": "/for-you",
            "author-member": "/authors/Dawn%20Song",  # "This is me" and "Mute this author"
        }.items():
            page.goto(path)
            problems += serious_violations(page)
            shot(page, screenshots, f"axe-{name}-{width}-{scheme}")
    assert problems == []


def test_api_reference_renders_under_the_csp(
    browser: Browser, live_server: tuple[str, object], screenshots: Path
) -> None:
    base, _app = live_server
    with browsing(browser, base, 1280, "light") as (page, watch):
        page.goto("/docs")
        # Swagger UI drew the operations from /openapi.json; the watch fails the test on any
        # CSP violation, console error or request to another host (a CDN).
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        expect(page.locator(".swagger-ui")).to_contain_text("/api/daily_papers")
        watch.check_layout()
        shot(page, screenshots, "docs-1280-light")


def test_upvote_without_javascript_comes_back_to_the_card(
    browser: Browser, live_server: tuple[str, object]
) -> None:
    base, _app = live_server
    name = f"anchor{next(_names)}"
    with browsing(browser, base, 360, "light") as (page, _):
        sign_up(page, name)
        cookies = page.context.cookies()
    with browsing(browser, base, 360, "light", javascript=False) as (page, _):
        page.context.add_cookies(cookies)  # type: ignore[arg-type]
        page.goto("/")
        card = page.locator("article.card").nth(8)  # far down a long page
        card_id = card.get_attribute("id")
        button = card.locator("form[data-vote] button")
        before = int(button.locator("[data-count]").inner_text())
        with page.expect_navigation():
            button.click()
        assert page.url == f"{base}/#{card_id}"
        voted = page.locator(f'[id="{card_id}"]')
        expect(voted.locator("[data-count]")).to_have_text(str(before + 1))
        # The browser scrolled to the card: it is in view, not the top of the page.
        assert page.evaluate("window.scrollY") > 300
        expect(voted).to_be_in_viewport()


def test_deleting_a_comment_takes_a_second_click(
    browser: Browser, live_server: tuple[str, object], screenshots: Path
) -> None:
    base, _app = live_server
    with browsing(browser, base, 360, "dark") as (page, _):
        sign_up(page, f"deleter{next(_names)}")
        page.goto("/papers/0704.0001")
        page.get_by_label("Add a comment").fill("I will take this back.")
        page.get_by_role("button", name="Comment", exact=True).click()
        comment = page.locator("article.comment", has_text="I will take this back.")
        expect(comment).to_be_visible()
        confirm = comment.get_by_role("button", name="Yes, delete it")
        expect(confirm).to_be_hidden()  # one click on "Delete" only opens the question
        comment.locator("details.confirm summary").click()
        expect(comment).to_contain_text("Delete this comment? It cannot be undone.")
        shot(page, screenshots, "comment-confirm-360-dark")
        confirm.click()
        expect(page.locator("article.comment", has_text="I will take this back.")).to_have_count(0)
