"""The paper page: everything the store knows, links out, citations, share link, link
previews; unknown and malformed ids."""

from __future__ import annotations

import re

from pages_helpers import HOSTILE_ID, NEWEST_DAY, REAL_ID, SNAPSHOT_ID, Site, post_form

from paperwire.ingest import import_items
from paperwire.models import Paper
from paperwire.web.routing import paper_url


def test_paper_page_shows_everything_the_store_knows(site: Site) -> None:
    response = site.client.get(f"/papers/{REAL_ID}")
    assert response.status_code == 200
    html = response.text
    assert "<title>dLLM: Simple Diffusion Language Modeling · paperwire</title>" in html
    assert "<h1>dLLM: Simple Diffusion Language Modeling" in html
    assert '<a href="/authors/Dawn%20Song">Dawn Song</a>' in html
    assert "Although diffusion language models (DLMs) are evolving quickly" in html
    assert f'href="https://arxiv.org/abs/{REAL_ID}"' in html
    assert f'href="https://arxiv.org/pdf/{REAL_ID}"' in html
    assert 'href="https://github.com/ZHZisZZ/dllm"' in html and "★ 1830" in html
    assert "<strong>AI summary</strong>" in html
    assert '<span class="chip">diffusion language models</span>' in html
    assert "<dt>First version</dt><dd>26 Feb 2026</dd>" in html
    assert '<span class="count" data-count>36</span>' in html
    assert f'href="/papers/{REAL_ID}.bib">BibTeX</a>' in html
    assert f'href="/papers/{REAL_ID}.ris">RIS</a>' in html
    assert f'value="http://127.0.0.1:8000/papers/{REAL_ID}"' in html  # share link
    assert 'id="related-h">Related papers</h2>' in html
    related = re.findall(r'<article class="card" id="paper-([^"]+)"', html)
    assert related and REAL_ID not in related
    # Related papers show the start of their abstract; their own page has the rest.
    below = html[html.index('id="related-h"') :]
    assert below.count('<p class="teaser">') == len(related) and "<details" not in below
    # Anonymous visitors are invited to log in to comment or collect, not shown the forms.
    assert f'href="/login?next=%2Fpapers%2F{REAL_ID}">Log in</a> to comment' in html
    assert 'name="body"' not in html
    # Link previews.
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="dLLM: Simple Diffusion Language Modeling' in html
    assert f'<meta property="og:url" content="http://127.0.0.1:8000/papers/{REAL_ID}">' in html
    assert '<meta property="og:description" content="Although diffusion' in html


def test_version_history_and_arxiv_metadata(site: Site) -> None:
    html = site.client.get(f"/papers/{SNAPSHOT_ID}").text
    assert "Calculation of prompt diphoton production cross sections" in html
    assert '<ul class="versions"><li>v2 posted on' in html and "<li>v1 posted on 2 Apr 2007" in html
    assert "<dt>Journal</dt><dd>Phys.Rev.D76:013009,2007</dd>" in html
    assert 'href="https://doi.org/10.1103/PhysRevD.76.013009"' in html
    assert "37 pages, 15 figures; published version" in html


def test_other_spellings_of_an_id_reach_the_paper(site: Site) -> None:
    for spelling in (f"{REAL_ID}v2", f"arXiv:{REAL_ID}"):
        response = site.client.get(f"/papers/{spelling}")
        assert response.status_code == 200, spelling
        assert "dLLM: Simple Diffusion Language Modeling" in response.text


def test_bibtex_ris_and_markdown_exports(site: Site) -> None:
    bib = site.client.get(f"/papers/{REAL_ID}.bib")
    assert bib.status_code == 200
    assert bib.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    assert bib.headers["content-disposition"] == f'attachment; filename="{REAL_ID}.bib"'
    assert bib.text.startswith("@misc{zhou2026dllm,")
    assert f"eprint = {{{REAL_ID}}}" in bib.text
    ris = site.client.get(f"/papers/{REAL_ID}.ris")
    assert ris.status_code == 200
    assert ris.headers["content-type"].startswith("application/x-research-info-systems")
    assert "AU  - Zhanhui Zhou" in ris.text and ris.text.rstrip().endswith("ER  -")
    md = site.client.get(f"/papers/{SNAPSHOT_ID}.md")
    assert md.status_code == 200
    assert md.text.startswith("# Calculation of prompt diphoton production")
    old_style = site.client.get("/papers/hep-th/9901001.bib")
    assert old_style.status_code == 404


def test_unknown_paper_is_a_404_page(site: Site) -> None:
    for path in ("/papers/2501.99999", "/papers/2501.99999.bib", "/papers/hep-th/9901001"):
        response = site.client.get(path)
        assert response.status_code == 404, path
        assert "<h1>Not found</h1>" in response.text
        assert "no paper" in response.text
    as_json = site.client.get("/papers/2501.99999", headers={"Accept": "application/json"})
    assert as_json.status_code == 404
    assert as_json.json() == {"error": "no paper 2501.99999 in the store", "status": 404}


def test_malformed_paper_id_is_a_400(site: Site) -> None:
    for bad in ("not-an-id", "1234", "2501.1", "%20"):
        response = site.client.get(f"/papers/{bad}")
        assert response.status_code == 400, bad
        assert "Bad request" in response.text


def test_unknown_path_is_a_404_page(site: Site) -> None:
    response = site.client.get("/no/such/page")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.text
    assert "there is no page at this address" in response.text
    assert response.headers["content-security-policy"]
    as_json = site.client.get("/no/such/page", headers={"Accept": "application/json"})
    assert as_json.json() == {"error": "there is no page at this address", "status": 404}


def test_hostile_paper_links_are_not_followed(site: Site) -> None:
    """A source that puts javascript: in a repository or project link gets no link."""
    html = site.client.get(f"/papers/{HOSTILE_ID}").text
    assert "javascript:" not in html


def test_paper_urls_quote_the_id(site: Site) -> None:
    # An id holding what a path must not, as a store written before derived ids had a strict
    # shape may hold: its links are quoted, and its page and actions are refused (400) rather
    # than looked up (see test_pages_hostile_ids).
    odd = "x-odd/../id ?a#b"
    quoted = "/papers/x-odd%2F..%2Fid%20%3Fa%23b"
    paper = Paper(id=odd, title="An oddly named paper", abstract="Odd.", first_seen=NEWEST_DAY)
    import_items(site.service.store, [("test", paper)], today=NEWEST_DAY)
    home = site.client.get("/").text
    assert f'action="{quoted}/vote"' in home
    assert f'<a href="{quoted}">An oddly named paper</a>' in home
    assert f'href="{quoted}#comments"' in home
    assert "/papers/x-odd/" not in home
    alice = site.logged_in("alice")
    assert post_form(alice, f"{quoted}/vote", page="/").status_code == 400
    assert alice.get(quoted).status_code == 400
    # Old-style ids keep their slash: the routes take it as part of the id.
    old = "hep-th/9901001"
    assert paper_url(old, "/vote") == "/papers/hep-th/9901001/vote"
    paper = Paper(id=old, title="An old-style paper", abstract="Old.", first_seen=NEWEST_DAY)
    import_items(site.service.store, [("test", paper)], today=NEWEST_DAY)
    voted = post_form(alice, f"/papers/{old}/vote", page="/")
    assert (voted.status_code, voted.headers["location"]) == (303, f"/papers/{old}")
    page = alice.get(f"/papers/{old}")
    assert page.status_code == 200, page.text
    for suffix in ("/vote", "/comments", "/collect", ".bib", ".ris", ".md"):
        assert f'"/papers/{old}{suffix}"' in page.text, suffix
    assert f'value="http://127.0.0.1:8000/papers/{old}"' in page.text
