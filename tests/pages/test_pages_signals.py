"""A user's private "For you" signals through the real app (issue 12), on SQLite and
PostgreSQL: "not interested" and its undo, mutes, "this is me", hostile input, privacy and
account deletion."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pages_helpers import NEWEST_DAY, PASSWORD, REAL_ID, Site, assert_inert, post_form

from paperwire.ingest import import_items
from paperwire.models import Paper, UserSignals

CLAIMED = "Quinn Examplewright"


def uid(site: Site, name: str) -> int:
    user = site.service.store.people.by_username(name)
    assert user is not None
    return user.id


def listed(html: str) -> list[str]:
    return re.findall(r'<article class="card" id="paper-([^"]+)"', html)


def test_not_interested_hides_a_paper_from_for_you_and_undo_brings_it_back(site: Site) -> None:
    browser = site.logged_in("alice")
    before = listed(browser.get("/for-you").text)
    assert REAL_ID in before
    assert "More like this" in browser.get("/for-you").text
    marked = post_form(
        browser,
        f"/papers/{REAL_ID}/not-interested",
        {"next": f"/for-you?hidden={REAL_ID}#hidden"},
        page="/for-you",
    )
    assert marked.status_code == 303
    assert marked.headers["location"] == f"/for-you?hidden={REAL_ID}#hidden"
    page = browser.get(marked.headers["location"])
    assert REAL_ID not in listed(page.text)
    assert len(listed(page.text)) == len(before) - 1
    assert "not interested: For you will not show it" in page.text  # the notice, with an undo
    assert "Undo not interested" in page.text
    # Other feeds still show it (mutes and marks are For you's only), with the undo button.
    daily = browser.get("/papers/date/2026-03-02").text
    assert REAL_ID in listed(daily) and "Undo not interested" in daily
    account = browser.get("/account").text
    assert "dLLM" in account and "1 paper you marked" in account
    undone = post_form(
        browser, f"/papers/{REAL_ID}/not-interested", {"undo": "1", "next": "/for-you"}
    )
    assert undone.status_code == 303
    assert REAL_ID in listed(browser.get("/for-you").text)
    # With JavaScript: the same route answers JSON.
    answer = post_form(
        browser,
        f"/papers/{REAL_ID}/not-interested",
        headers={"Accept": "application/json"},
    )
    assert answer.json() == {"id": REAL_ID, "not_interested": True}
    assert site.service.store.signals.of_user(uid(site, "alice")).not_interested == {REAL_ID}


def test_signals_need_the_csrf_token_and_a_session(site: Site) -> None:
    browser = site.logged_in("alice")
    for url, form in [
        (f"/papers/{REAL_ID}/not-interested", {}),
        ("/account/signals", {"kind": "muted-word", "term": "agents"}),
        ("/account/signals/remove", {"kind": "muted-word", "term": "agents"}),
    ]:
        assert browser.post(url, data=form).status_code == 403
        assert browser.post(url, data={**form, "csrf_token": "forged"}).status_code == 403
        anonymous = site.new_client()
        assert post_form(anonymous, url, form).status_code == 401
    assert site.service.store.signals.of_user(uid(site, "alice")) == UserSignals()
    assert post_form(browser, "/papers/2501.99999/not-interested").status_code == 404


def test_mutes_filter_for_you_only(site: Site) -> None:
    browser = site.logged_in("alice")
    before = listed(browser.get("/for-you").text)
    title = site.service.papers.get(REAL_ID).title  # "dLLM: Simple Diffusion Language ..."
    assert "dLLM" in title
    added = post_form(browser, "/account/signals", {"kind": "muted-word", "term": "DLLM"})
    assert added.headers["location"] == "/account?done=signal#signals"
    after = listed(browser.get("/for-you").text)
    assert REAL_ID not in after and len(after) < len(before)
    assert REAL_ID in listed(browser.get("/papers/date/2026-03-02").text)  # only For you
    account = browser.get("/account").text
    assert "Saved: For you uses it" not in account  # the note shows only after saving
    assert "DLLM" in account
    # A word in every paper of the day: an empty For you that says why, never an error.
    post_form(browser, "/account/signals", {"kind": "muted-word", "term": "and"})
    empty = browser.get("/for-you")
    assert empty.status_code == 200 and listed(empty.text) == []
    assert "Your muted words, authors or categories hide every paper of this period" in empty.text
    # Removing the mutes brings the papers back.
    for term in ("dllm", "AND"):  # any case
        post_form(browser, "/account/signals/remove", {"kind": "muted-word", "term": term})
    assert listed(browser.get("/for-you").text) == before
    # Authors and categories.
    author = site.service.papers.get(REAL_ID).authors[0]
    post_form(browser, "/account/signals", {"kind": "muted-author", "term": author.upper()})
    assert REAL_ID not in listed(browser.get("/for-you").text)
    post_form(browser, "/account/signals/remove", {"kind": "muted-author", "term": author})
    hostile = "2603.99901"
    assert hostile in listed(browser.get("/for-you").text)
    post_form(browser, "/account/signals", {"kind": "muted-category", "term": "CS.cl"})
    shown = listed(browser.get("/for-you").text)
    assert hostile not in shown


@pytest.mark.parametrize(
    ("kind", "term", "message"),
    [
        ("muted-word", "x" * 10_000, "muted word: at most 60 characters (10,000 given)"),
        ("muted-word", "", "muted word: empty"),
        ("muted-word", "bad\x07word", "muted word: control characters are not allowed"),
        ("muted-word", "<script>alert(1)</script>", "letters, digits and spaces only"),
        ("muted-author", '"><img src=x onerror=alert(1)>', "a person&#39;s name"),
        ("own-name", "x" * 10_000, "your author name: at most 120 characters"),
        ("muted-category", "cs.LG<b>", "an arXiv category such as cs.LG"),
        ("nonsense", "agents", "kind: choose one of muted-author"),
    ],
)
def test_hostile_input_is_a_clear_400_and_nothing_is_kept(
    site: Site, kind: str, term: str, message: str
) -> None:
    browser = site.logged_in("alice")
    response = post_form(browser, "/account/signals", {"kind": kind, "term": term})
    assert response.status_code == 400
    assert message in response.text
    assert_inert(response.text)
    assert site.service.store.signals.of_user(uid(site, "alice")) == UserSignals()


def _own_papers(site: Site) -> list[str]:
    """Three earlier papers by one author, none on the newest day."""
    ids = ["2401.00001", "2401.00002", "2401.00003"]
    papers = [
        Paper(
            id=paper_id,
            title=f"Diffusion language models for planning, part {n}",
            abstract="We train diffusion language models and study their planning ability.",
            authors=[CLAIMED, "A. Coauthor"],
            categories=["cs.CL"],
            first_seen=date(2024, 1, 2 + n),
            sources=["test"],
        )
        for n, paper_id in enumerate(ids)
    ]
    import_items(site.service.store, [("test", p) for p in papers], today=date(2024, 1, 2))
    return ids


def test_this_is_me_makes_a_user_with_no_votes_warm(site: Site) -> None:
    _own_papers(site)
    browser = site.logged_in("alice")
    assert "it needs at least 3, and you have 0" in browser.get("/for-you").text
    author_page = browser.get(f"/authors/{CLAIMED.replace(' ', '%20')}").text
    assert "This is me" in author_page and "Mute this author" in author_page
    assert "This is me" not in site.new_client().get(f"/authors/{CLAIMED}").text  # signed in
    claimed = post_form(
        browser,
        "/account/signals",
        {"kind": "own-name", "term": CLAIMED},
        page=f"/authors/{CLAIMED}",
    )
    assert claimed.status_code == 303
    warm = browser.get("/for-you").text
    assert "needs at least" not in warm
    assert "ranked for alice from the 3 papers" in warm
    assert CLAIMED in browser.get("/account").text  # listed, and removable
    post_form(browser, "/account/signals/remove", {"kind": "own-name", "term": CLAIMED.lower()})
    assert "it needs at least 3, and you have 0" in browser.get("/for-you").text


def test_signals_are_private_and_go_with_the_account(site: Site) -> None:
    _own_papers(site)
    alice = site.logged_in("alice")
    post_form(alice, f"/papers/{REAL_ID}/not-interested", page="/for-you")
    post_form(alice, "/account/signals", {"kind": "muted-word", "term": "secretword"})
    post_form(alice, "/account/signals", {"kind": "own-name", "term": CLAIMED})
    bob = site.logged_in("bob")
    for page in (
        "/account",
        "/for-you",
        "/papers/date/2026-03-02",
        f"/papers/{REAL_ID}",
        "/u/alice",
        f"/authors/{CLAIMED}",
    ):
        html = bob.get(page).text
        assert "secretword" not in html and "Undo not interested" not in html, page
    for page in ("/u/alice", "/feeds/trending.xml", f"/feeds/author/{CLAIMED}.xml"):
        assert "secretword" not in site.new_client().get(page).text
    assert REAL_ID in listed(bob.get("/for-you").text)
    alice_id = uid(site, "alice")
    deleted = post_form(alice, "/account/delete", {"password": PASSWORD}, page="/account")
    assert deleted.status_code == 200
    assert site.service.store.signals.of_user(alice_id) == UserSignals()


def test_more_like_this_leads_to_the_related_papers(site: Site) -> None:
    html = site.new_client().get("/papers/date/2026-03-02").text
    assert f'href="/papers/{REAL_ID}#related">More like this</a>' in html
    assert "Not interested" not in html  # anonymous: no private action on the card
    paper = site.new_client().get(f"/papers/{REAL_ID}").text
    assert '<section id="related"' in paper
    assert NEWEST_DAY.isoformat() == "2026-03-02"
