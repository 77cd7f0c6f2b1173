"""Community actions through the pages: upvotes, comments, collections, submissions and
moderation; every user-scoped action checks the owner."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from pages_helpers import (
    NEWEST_DAY,
    REAL_ID,
    SNAPSHOT_DAY,
    SNAPSHOT_ID,
    Site,
    post_form,
)


def vote_count(client: TestClient, paper_id: str) -> tuple[int, bool]:
    html = client.get(f"/papers/{paper_id}").text
    form = html[html.index(f'action="/papers/{paper_id}/vote"') :]
    count = re.search(r"data-count>(\d+)<", form)
    pressed = re.search(r'aria-pressed="(true|false)"', form)
    assert count and pressed
    return int(count.group(1)), pressed.group(1) == "true"


def comment_ids(client: TestClient, paper_id: str) -> list[int]:
    return [
        int(i) for i in re.findall(r'id="comment-(\d+)"', client.get(f"/papers/{paper_id}").text)
    ]


# -- votes ---------------------------------------------------------------------------------
def test_upvote_toggles_and_redirects_back(site: Site) -> None:
    alice = site.logged_in("alice")
    assert vote_count(alice, REAL_ID) == (36, False)
    response = post_form(alice, f"/papers/{REAL_ID}/vote", {"next": "/?p=0"}, page="/")
    assert response.status_code == 303
    assert response.headers["location"] == "/?p=0"
    assert vote_count(alice, REAL_ID) == (37, True)
    assert vote_count(site.client, REAL_ID) == (37, False)  # others see the count, not "voted"
    again = post_form(alice, f"/papers/{REAL_ID}/vote", page="/")
    assert again.headers["location"] == f"/papers/{REAL_ID}"  # no "next": the paper page
    assert vote_count(alice, REAL_ID) == (36, False)


def test_upvote_from_javascript_answers_json(site: Site) -> None:
    alice = site.logged_in("alice")
    headers = {"Accept": "application/json"}
    response = post_form(alice, f"/papers/{REAL_ID}/vote", page="/", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"id": REAL_ID, "upvotes": 37, "voted": True}
    anonymous = post_form(site.client, f"/papers/{REAL_ID}/vote", page="/", headers=headers)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": "log in to do that", "status": 401}


def test_one_vote_per_user(site: Site) -> None:
    alice = site.logged_in("alice")
    bob = site.logged_in("bob")
    for browser in (alice, bob):
        post_form(browser, f"/papers/{REAL_ID}/vote", page="/")
    assert vote_count(site.client, REAL_ID) == (38, False)
    post_form(alice, f"/papers/{REAL_ID}/vote", page="/")  # alice takes hers back
    assert vote_count(bob, REAL_ID) == (37, True)
    assert vote_count(alice, REAL_ID) == (37, False)


def test_nobody_can_vote_as_someone_else(site: Site) -> None:
    """The voter is the session's user; form fields naming another user are ignored."""
    alice = site.logged_in("alice")
    bob = site.logged_in("bob")
    alice_id = site.service.store.people.by_username("alice").id  # type: ignore[union-attr]
    forged = {"user": "alice", "user_id": str(alice_id), "username": "alice"}
    post_form(bob, f"/papers/{REAL_ID}/vote", forged, page="/")
    assert vote_count(alice, REAL_ID) == (37, False)
    assert vote_count(bob, REAL_ID) == (37, True)
    assert site.service.store.community.card_counts([REAL_ID], alice_id).voted == set()


def test_anonymous_vote_asks_to_log_in(site: Site) -> None:
    response = post_form(site.client, f"/papers/{REAL_ID}/vote", page="/")
    assert response.status_code == 401
    assert "log in to do that" in response.text
    assert 'href="/login' in response.text.split("<main", 1)[1]
    assert vote_count(site.client, REAL_ID) == (36, False)


def test_vote_on_unknown_paper_is_404(site: Site) -> None:
    alice = site.logged_in("alice")
    assert post_form(alice, "/papers/2501.99999/vote", page="/").status_code == 404


# -- comments ------------------------------------------------------------------------------
def test_comment_with_a_link_is_escaped_and_linked(site: Site) -> None:
    alice = site.logged_in("alice")
    body = (
        "See https://example.org/a?b=1&c=2 for code.\n"
        "<script>alert(1)</script> and javascript:alert(1) and "
        '<a href="javascript:alert(2)">click</a>'
    )
    response = post_form(alice, f"/papers/{REAL_ID}/comments", {"body": body}, page="/")
    assert response.status_code == 303
    (comment_id,) = comment_ids(alice, REAL_ID)
    assert response.headers["location"] == f"/papers/{REAL_ID}#comment-{comment_id}"
    html = site.client.get(f"/papers/{REAL_ID}").text
    section = html[html.index(f'id="comment-{comment_id}"') :]
    section = section[: section.index("</article>")]
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener" '
        'target="_blank">https://example.org/a?b=1&amp;c=2</a>' in section
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<script" not in section
    assert 'href="javascript' not in section
    assert "&lt;a href=&#34;javascript:alert(2)&#34;&gt;click&lt;/a&gt;" in section
    assert "Comments (1)" in html
    home = site.client.get("/").text
    card = home[home.index(f'id="paper-{REAL_ID}"') :]
    assert "1 comment<" in card[: card.index("</article>")]


def test_empty_or_huge_comment_is_a_400(site: Site) -> None:
    alice = site.logged_in("alice")
    for body in ("", "   \n\t ", "\x00\u200b", "x" * 5001):
        response = post_form(alice, f"/papers/{REAL_ID}/comments", {"body": body}, page="/")
        assert response.status_code == 400, body[:10]
        assert "comment:" in response.text
    assert comment_ids(alice, REAL_ID) == []


def test_anonymous_comment_is_refused(site: Site) -> None:
    response = post_form(site.client, f"/papers/{REAL_ID}/comments", {"body": "hi"}, page="/")
    assert response.status_code == 401
    assert comment_ids(site.client, REAL_ID) == []


def test_edit_and_delete_your_own_comment(site: Site) -> None:
    alice = site.logged_in("alice")
    post_form(alice, f"/papers/{REAL_ID}/comments", {"body": "frist"}, page="/")
    (cid,) = comment_ids(alice, REAL_ID)
    page = alice.get(f"/papers/{REAL_ID}").text
    assert f'action="/comments/{cid}/edit"' in page and f'action="/comments/{cid}/delete"' in page
    edited = post_form(alice, f"/comments/{cid}/edit", {"body": "first"}, page="/")
    assert edited.status_code == 303
    assert edited.headers["location"] == f"/papers/{REAL_ID}#comments"
    page = site.client.get(f"/papers/{REAL_ID}").text
    assert "first" in page and "frist" not in page and " · edited" in page
    assert f'action="/comments/{cid}/edit"' not in page  # no edit form for others
    deleted = post_form(alice, f"/comments/{cid}/delete", page="/")
    assert deleted.status_code == 303
    assert comment_ids(alice, REAL_ID) == []


def test_another_user_cannot_edit_or_delete_your_comment(site: Site) -> None:
    alice = site.logged_in("alice")
    bob = site.logged_in("bob")
    post_form(alice, f"/papers/{REAL_ID}/comments", {"body": "alice's words"}, page="/")
    (cid,) = comment_ids(alice, REAL_ID)
    assert f'action="/comments/{cid}/edit"' not in bob.get(f"/papers/{REAL_ID}").text
    edit = post_form(bob, f"/comments/{cid}/edit", {"body": "bob's words"}, page="/")
    assert edit.status_code == 403
    assert "you can only edit your own comments" in edit.text
    delete = post_form(bob, f"/comments/{cid}/delete", page="/")
    assert delete.status_code == 403
    hide = post_form(bob, f"/comments/{cid}/hide", page="/")
    assert hide.status_code == 403  # bob is no admin
    (comment,) = site.service.store.community.comments_for(REAL_ID)
    assert comment.body == "alice's words" and not comment.hidden
    anonymous = post_form(site.client, f"/comments/{cid}/delete", page="/")
    assert anonymous.status_code == 401


def test_unknown_comment_is_404(site: Site) -> None:
    alice = site.logged_in("alice")
    for action in ("edit", "delete", "hide", "show"):
        response = post_form(alice, f"/comments/999999/{action}", {"body": "x"}, page="/")
        assert response.status_code == 404, action
    assert site.client.get("/comments/abc/edit").status_code in (404, 405)


def test_admin_hides_and_shows_a_comment(site: Site) -> None:
    admin = site.logged_in("root", admin=True)
    alice = site.logged_in("alice")
    post_form(alice, f"/papers/{REAL_ID}/comments", {"body": "buy cheap pills"}, page="/")
    (cid,) = comment_ids(alice, REAL_ID)
    assert f'action="/comments/{cid}/hide"' in admin.get(f"/papers/{REAL_ID}").text
    assert f'action="/comments/{cid}/hide"' not in alice.get(f"/papers/{REAL_ID}").text
    hidden = post_form(admin, f"/comments/{cid}/hide", page="/")
    assert hidden.status_code == 303
    assert "buy cheap pills" not in site.client.get(f"/papers/{REAL_ID}").text
    assert "buy cheap pills" not in alice.get(f"/papers/{REAL_ID}").text
    admin_view = admin.get(f"/papers/{REAL_ID}").text
    assert "buy cheap pills" in admin_view and "hidden by an admin" in admin_view
    home = site.client.get("/").text
    card = home[home.index(f'id="paper-{REAL_ID}"') :]
    assert "0 comments" in card[: card.index("</article>")]  # hidden ones are not counted
    shown = post_form(admin, f"/comments/{cid}/show", page="/")
    assert shown.status_code == 303
    assert "buy cheap pills" in site.client.get(f"/papers/{REAL_ID}").text


# -- collections ---------------------------------------------------------------------------
def test_private_collection_is_invisible_to_others(site: Site) -> None:
    alice = site.logged_in("alice")
    bob = site.logged_in("bob")
    created = post_form(
        alice, "/collections", {"name": "Secret reading", "description": "shh"}, page="/account"
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/u/alice/c/secret-reading"
    own = alice.get("/u/alice/c/secret-reading")
    assert own.status_code == 200 and "Secret reading" in own.text and "private" in own.text
    for viewer in (bob, site.client):
        missing = viewer.get("/u/alice/c/never-made")
        response = viewer.get("/u/alice/c/secret-reading")
        assert response.status_code == 404
        # Exactly like a collection that does not exist (no hint that it does).
        assert response.text.replace("secret-reading", "X") == missing.text.replace(
            "never-made", "X"
        )
        assert "Secret reading" not in viewer.get("/u/alice").text
    assert "Secret reading" in alice.get("/u/alice").text
    # Nor can bob change it, add to it, or delete it.
    edit = post_form(bob, "/u/alice/c/secret-reading/edit", {"name": "pwned"}, page="/")
    assert edit.status_code == 404
    owner = site.service.store.people.by_username("alice")
    assert owner is not None
    # Private: not listed for anonymous viewers, listed for its owner.
    assert site.service.store.community.collections_of(owner.id, None) == []
    (mine,) = site.service.store.community.collections_of(owner.id, owner.id)
    add = post_form(bob, f"/papers/{REAL_ID}/collect", {"collection": str(mine.id), "member": "1"})
    assert add.status_code == 403
    assert site.service.store.community.collection_paper_ids(mine.id) == []
    assert mine.name == "Secret reading"


def test_public_collection_page_add_and_remove_papers(site: Site) -> None:
    alice = site.logged_in("alice")
    page = alice.get(f"/papers/{REAL_ID}").text
    assert '<label for="new-coll">New collection</label>' in page
    made = post_form(
        alice,
        f"/papers/{REAL_ID}/collect",
        {"new_name": "Diffusion LMs", "public": "on"},
        page=f"/papers/{REAL_ID}",
    )
    assert made.status_code == 303
    assert made.headers["location"] == f"/papers/{REAL_ID}#collections"
    public = site.client.get("/u/alice/c/diffusion-lms")
    assert public.status_code == 200
    assert f'id="paper-{REAL_ID}"' in public.text
    assert 'href="/u/alice/c/diffusion-lms.xml"' in public.text  # its feed
    assert "Edit collection" not in public.text
    assert "Diffusion LMs" in site.client.get("/u/alice").text

    page = alice.get(f"/papers/{REAL_ID}").text
    cid = re.search(r'name="collection" value="(\d+)"', page)
    assert cid and 'aria-pressed="true">✓ Diffusion LMs' in page
    add = post_form(
        alice, f"/papers/{SNAPSHOT_ID}/collect", {"collection": cid.group(1), "member": "1"}
    )
    assert add.status_code == 303
    listed = re.findall(r'id="paper-([^"]+)"', site.client.get("/u/alice/c/diffusion-lms").text)
    assert listed == [SNAPSHOT_ID, REAL_ID]  # newest addition first
    remove = post_form(
        alice, f"/papers/{REAL_ID}/collect", {"collection": cid.group(1), "member": "0"}
    )
    assert remove.status_code == 303
    listed = re.findall(r'id="paper-([^"]+)"', site.client.get("/u/alice/c/diffusion-lms").text)
    assert listed == [SNAPSHOT_ID]


def test_collect_without_choosing_a_collection_is_a_400(site: Site) -> None:
    alice = site.logged_in("alice")
    response = post_form(alice, f"/papers/{REAL_ID}/collect", {}, page="/")
    assert response.status_code == 400
    for bad in ("abc", "0", "-4"):
        response = post_form(alice, f"/papers/{REAL_ID}/collect", {"collection": bad})
        assert response.status_code == 400, bad


def test_edit_rename_and_delete_a_collection(site: Site) -> None:
    alice = site.logged_in("alice")
    bob = site.logged_in("bob")
    post_form(alice, "/collections", {"name": "Reading", "public": "on"}, page="/account")
    assert "Edit collection" in alice.get("/u/alice/c/reading").text
    refused = post_form(bob, "/u/alice/c/reading/edit", {"name": "bob's now", "public": "on"})
    assert refused.status_code == 403
    made_private = post_form(alice, "/u/alice/c/reading/edit", {"name": "Reading list"})
    assert made_private.status_code == 303
    assert site.client.get("/u/alice/c/reading").status_code == 404  # now private
    assert "Reading list" in alice.get("/u/alice/c/reading").text
    duplicate = post_form(alice, "/collections", {"name": "reading"}, page="/account")
    assert duplicate.status_code == 409
    assert "you already have a collection called" in duplicate.text
    refused = post_form(bob, "/u/alice/c/reading/edit", {"delete": "1"})
    assert refused.status_code == 404  # private: bob cannot even see it
    deleted = post_form(alice, "/u/alice/c/reading/edit", {"delete": "1"})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/account"
    assert alice.get("/u/alice/c/reading").status_code == 404


def test_profile_pages(site: Site) -> None:
    assert site.client.get("/u/nobody-here").status_code == 404
    site.user("alice")
    alice = site.client.get("/u/alice")
    assert alice.status_code == 200
    assert "<h1>alice</h1>" in alice.text
    # Hugging Face submitters have no account here; their page lists what they submitted.
    hf = site.client.get("/u/ZHZisZZ")
    assert hf.status_code == 200
    assert f'id="paper-{REAL_ID}"' in hf.text


# -- submissions ---------------------------------------------------------------------------
def test_submit_needs_a_login(site: Site) -> None:
    form = site.client.get("/submit")
    assert form.status_code == 303
    assert form.headers["location"] == "/login?next=/submit"
    response = post_form(site.client, "/submit", {"paper": SNAPSHOT_ID})
    assert response.status_code == 401


def test_submit_a_paper_in_the_store_puts_it_on_todays_feed(site: Site) -> None:
    alice = site.logged_in("alice")
    html = alice.get("/submit").text
    assert '<label for="paper">arXiv id or URL</label>' in html
    response = post_form(
        alice, "/submit", {"paper": f"https://arxiv.org/abs/{SNAPSHOT_ID}v2"}, page="/submit"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/papers/{SNAPSHOT_ID}"
    page = site.client.get(f"/papers/{SNAPSHOT_ID}").text
    assert '<dt>Submitted by</dt><dd><a href="/u/alice">alice</a>' in page
    today = datetime.now(UTC).date()
    feed = site.client.get(f"/papers/date/{today.isoformat()}").text
    assert f'id="paper-{SNAPSHOT_ID}"' in feed
    assert 'submitted by <a href="/u/alice">alice</a>' in feed
    # Today is now the newest day with papers: the home page shows it.
    assert f'id="paper-{SNAPSHOT_ID}"' in site.client.get("/").text
    assert f'id="paper-{SNAPSHOT_ID}"' in site.client.get("/u/alice").text
    # The first submitter keeps the credit.
    bob = site.logged_in("bob")
    again = post_form(bob, "/submit", {"paper": SNAPSHOT_ID}, page="/submit")
    assert f"{SNAPSHOT_ID} is already featured: submitted by alice on {today}." in again.text
    page = site.client.get(f"/papers/{SNAPSHOT_ID}").text
    assert '<a href="/u/alice">alice</a>' in page and 'href="/u/bob"' not in page
    old_day = site.client.get(f"/papers/date/{SNAPSHOT_DAY.isoformat()}").text
    assert f'id="paper-{SNAPSHOT_ID}"' not in old_day


def test_submit_of_a_featured_paper_keeps_its_day(site: Site) -> None:
    alice = site.logged_in("alice")
    response = post_form(alice, "/submit", {"paper": REAL_ID}, page="/submit")
    # Said on the form (not a silent redirect): who featured it, and a link to it.
    assert response.status_code == 200
    featured = site.service.papers.get(REAL_ID)
    assert featured.submitted_by and featured.submitted_on
    assert (
        f"{REAL_ID} is already featured: submitted by {featured.submitted_by} on "
        f"{featured.submitted_on.isoformat()}." in response.text
    )
    assert f'<a href="/papers/{REAL_ID}">See its page</a>' in response.text
    day = site.client.get(f"/papers/date/{NEWEST_DAY.isoformat()}").text
    assert f'id="paper-{REAL_ID}"' in day
    today = datetime.now(UTC).date()
    assert site.client.get(f"/papers/date/{today.isoformat()}").text.count('class="card"') == 0


def test_submit_of_an_unknown_paper_offline_says_so(site: Site) -> None:
    assert site.app_service.community.fetch_from_arxiv is None
    alice = site.logged_in("alice")
    response = post_form(alice, "/submit", {"paper": "2501.99999"}, page="/submit")
    assert response.status_code == 503
    assert "2501.99999 is not in this paperwire yet" in response.text
    assert "offline" in response.text
    assert 'value="2501.99999"' in response.text  # the form keeps what was typed
    assert 'role="alert"' in response.text


def test_submit_of_garbage_is_a_400(site: Site) -> None:
    alice = site.logged_in("alice")
    for bad in ("not a paper", "https://example.org/abs/x", "", "<script>"):
        response = post_form(alice, "/submit", {"paper": bad}, page="/submit")
        assert response.status_code == 400, bad
        assert 'role="alert"' in response.text


def test_only_an_admin_removes_a_submission(site: Site) -> None:
    alice = site.logged_in("alice")
    post_form(alice, "/submit", {"paper": SNAPSHOT_ID}, page="/submit")
    assert "Remove submission" not in alice.get(f"/papers/{SNAPSHOT_ID}").text
    refused = post_form(alice, f"/papers/{SNAPSHOT_ID}/remove", page="/")
    assert refused.status_code == 403
    assert "only an admin can remove a submission" in refused.text
    admin = site.logged_in("root", admin=True)
    assert "Remove submission (admin)" in admin.get(f"/papers/{SNAPSHOT_ID}").text
    removed = post_form(admin, f"/papers/{SNAPSHOT_ID}/remove", page="/")
    assert removed.status_code == 303
    assert removed.headers["location"] == f"/papers/{SNAPSHOT_ID}"
    never = post_form(admin, f"/papers/{REAL_ID}/remove", page="/")
    assert never.status_code == 404  # a Hugging Face pick, never submitted here


def test_a_removed_submission_leaves_the_feed(site: Site) -> None:
    alice = site.logged_in("alice")
    post_form(alice, "/submit", {"paper": SNAPSHOT_ID}, page="/submit")
    admin = site.logged_in("root", admin=True)
    post_form(admin, f"/papers/{SNAPSHOT_ID}/remove", page="/")
    today = datetime.now(UTC).date()
    feed = site.client.get(f"/papers/date/{today.isoformat()}").text
    assert f'id="paper-{SNAPSHOT_ID}"' not in feed
    assert "/u/alice" not in site.client.get(f"/papers/{SNAPSHOT_ID}").text
