"""Hostile derived ids at the web's entry points (issue 11, finding 2): the paper page, its
downloads and actions, the API and the submission form all answer 400 for an id that is not a
well-formed derived or arXiv id, instead of looking it up."""

from __future__ import annotations

from pages_helpers import Site, post_form

from paperwire.web.routing import paper_url

HOSTILE = ["x-/../../comments/2/hide?", "x-/../../logout?", "x-" + "a" * 200, "x-a\u202eb"]


def test_hostile_ids_are_a_bad_request_everywhere(site: Site) -> None:
    alice = site.logged_in("alice")
    for raw in HOSTILE:
        for suffix in ("", ".bib", ".ris", ".md"):
            assert site.client.get(paper_url(raw, suffix)).status_code == 400, (raw, suffix)
        api = paper_url(raw).replace("/papers/", "/api/papers/", 1)
        assert site.client.get(api).status_code == 400, raw
        assert site.client.get(api + "/related").status_code == 400, raw
        vote = post_form(alice, paper_url(raw, "/vote"), page="/submit")
        assert vote.status_code == 400, raw
        submitted = post_form(alice, "/submit", {"paper": raw}, page="/submit")
        assert submitted.status_code == 400, raw
