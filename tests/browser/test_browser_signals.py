""" "Not interested" in a real browser (issue 12): with JavaScript the button flips in place
and on For you the card folds away, its undo still there; without JavaScript the form posts
and For you says what it hid, with an undo."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from test_browser_journey import _names, browsing, sign_up


def test_not_interested_with_and_without_javascript(
    browser: Browser, live_server: tuple[str, object]
) -> None:
    base, _app = live_server
    name = f"hide{next(_names)}"
    with browsing(browser, base, 1280, "light") as (page, watch):
        sign_up(page, name)
        cookies = page.context.cookies()
        page.goto("/for-you")
        card = page.locator("article.card").first
        card_id = card.get_attribute("id")
        button = card.locator("form[data-hide] button")
        expect(button).to_have_text("Not interested")
        button.click()
        expect(button).to_have_text("Undo not interested")
        expect(card).to_have_class("card dismissed")
        assert page.url == f"{base}/for-you"  # no navigation
        expect(card.locator(".title")).to_be_hidden()
        button.click()  # undo, in place too
        expect(button).to_have_text("Not interested")
        expect(card.locator(".title")).to_be_visible()
        page.reload()
        expect(page.locator(f'[id="{card_id}"]')).to_have_count(1)
        watch.check_layout()
    with browsing(browser, base, 1280, "light", javascript=False) as (page, _):
        page.context.add_cookies(cookies)  # type: ignore[arg-type]
        page.goto("/for-you")
        card = page.locator("article.card").first
        card_id = card.get_attribute("id")
        assert card_id is not None
        with page.expect_navigation():
            card.locator("form[data-hide] button").click()
        assert "hidden=" in page.url and page.url.endswith("#hidden")
        expect(page.locator(f'[id="{card_id}"]')).to_have_count(0)
        notice = page.locator("#hidden")
        expect(notice).to_contain_text("not interested")
        with page.expect_navigation():
            notice.get_by_role("button", name="Undo not interested").click()
        expect(page.locator(f'[id="{card_id}"]')).to_have_count(1)
