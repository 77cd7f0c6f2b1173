"""The library upload on the account page (multipart, CSRF, its own size bound) and its
report; a collection's exports, parsed back with bibtexparser, rispy and json."""

from __future__ import annotations

import json

import rispy
from bibtexparser.entrypoint import parse_string
from fastapi.testclient import TestClient
from pages_helpers import SNAPSHOT_ID, Response, Site, csrf_of

LIBRARY = r"""@comment{jabref-meta: databaseType:bibtex;}
@article{balazs2007,
  author = {Bal{\'a}zs, C. and Berger, E. L.},
  title = {Calculation of prompt diphoton production cross sections},
  eprint = {0704.0001v2}, archivePrefix = {arXiv},
}
@article{cooper, title = {Bosonic characters}, doi = {10.1103/PhysRevA.75.043613}}
@article{elsewhere, title = {A paper that this store has never seen <b>at all</b>}}
@article{broken, title = {Braces {never close, year = {2020}}
"""


def upload(
    client: TestClient,
    data: bytes,
    name: str = "library.bib",
    page: str = "/account",
    **fields: str,
) -> Response:
    token = csrf_of(client, page)
    return client.post(
        "/account/library",
        data={"csrf_token": token, **fields},
        files={"file": (name, data, "application/x-bibtex")},
    )


def test_the_upload_imports_into_a_private_collection_and_shows_the_report(site: Site) -> None:
    alice = site.logged_in("alice")
    account = alice.get("/account").text
    assert 'enctype="multipart/form-data"' in account and 'action="/account/library"' in account

    shown = upload(alice, LIBRARY.encode(), collection="Thesis")
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert '2 papers added to <a href="/u/alice/c/thesis">Thesis</a>' in html
    assert '<th scope="row">Matched by arXiv id</th><td>1</td>' in html
    assert '<th scope="row">Matched by DOI</th><td>1</td>' in html
    assert "never seen &lt;b&gt;at all&lt;/b&gt;" in html  # listed, escaped
    assert "library.bib:9" in html and "could not be read" in html

    again = upload(alice, LIBRARY.encode(), collection="Thesis").text
    assert 'All 2 matched papers were in <a href="/u/alice/c/thesis">Thesis</a> already' in again

    page = alice.get("/u/alice/c/thesis").text
    assert "private" in page and SNAPSHOT_ID in page
    # Private: the collection and its exports are missing to anyone else.
    bob = site.logged_in("bob")
    assert bob.get("/u/alice/c/thesis").status_code == 404
    assert bob.get("/u/alice/c/thesis/export.bib").status_code == 404
    assert site.new_client().get("/u/alice/c/thesis/export.ris").status_code == 404


def test_the_collection_exports_parse_back(site: Site) -> None:
    alice = site.logged_in("alice")
    upload(alice, LIBRARY.encode())
    page = alice.get("/u/alice/c/my-library").text
    for ext in ("bib", "ris", "json"):
        assert f'href="/u/alice/c/my-library/export.{ext}" download' in page

    bib = alice.get("/u/alice/c/my-library/export.bib")
    assert bib.status_code == 200
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert bib.headers["content-disposition"] == 'attachment; filename="alice-my-library.bib"'
    assert bib.headers["cache-control"] == "private, no-cache"
    assert sorted(e.fields_dict["eprint"].value for e in parse_string(bib.text).entries) == [
        "0704.0001",
        "0704.0006",
    ]
    ris = rispy.loads(alice.get("/u/alice/c/my-library/export.ris").text)
    assert {r["doi"] for r in ris} == {"10.1103/PhysRevD.76.013009", "10.1103/PhysRevA.75.043613"}
    items = json.loads(alice.get("/u/alice/c/my-library/export.json").text)
    assert {i["number"] for i in items} == {"arXiv:0704.0001", "arXiv:0704.0006"}
    assert alice.get("/u/alice/c/my-library/export.pdf").status_code == 404


def test_a_file_over_the_form_limit_but_within_the_library_limit_is_imported(
    site: Site,
) -> None:
    # 2 MB: over max_request_bytes (1 MiB), which every other form keeps.
    padding = "".join(f"@comment{{{'x' * 1000}}}\n" for _ in range(2000))
    shown = upload(site.logged_in("alice"), (padding + LIBRARY).encode())
    assert shown.status_code == 200 and "2 papers added" in shown.text


def test_bad_uploads_change_nothing_and_say_why(site: Site) -> None:
    alice = site.logged_in("alice")
    wrong = upload(alice, b"title,author\nSomething,Someone\n", "export.csv")
    assert wrong.status_code == 400
    assert "export.csv: not a library file" in wrong.text
    named = upload(alice, LIBRARY.encode(), "../../etc/<script>x.bib")
    assert "_script_x.bib" in named.text and "<script>" not in named.text
    over = upload(alice, b"@misc{k, title={x}}\n" + b" " * (21 * 1024 * 1024))
    assert over.status_code == 413
    no_csrf = alice.post(
        "/account/library", files={"file": ("l.bib", LIBRARY.encode(), "text/plain")}
    )
    assert no_csrf.status_code == 403
    anonymous = site.new_client()
    assert upload(anonymous, LIBRARY.encode(), page="/login").status_code == 401
    assert [c.name for c in site.service.community.collections_of("alice", None)] == []
    empty = alice.post("/account/library", data={"csrf_token": csrf_of(alice, "/account")})
    assert empty.status_code == 400 and "choose a library file" in empty.text


def test_uploads_from_one_address_are_rate_limited(site: Site) -> None:
    alice = site.logged_in("alice")
    data = b"@misc{k, title = {A title no stored paper carries at all}}"
    assert all(upload(alice, data).status_code == 200 for _ in range(20))
    refused = upload(alice, data)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "300"
