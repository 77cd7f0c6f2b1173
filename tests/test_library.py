"""Library import and export in the service, on SQLite and on the real PostgreSQL server:
entries matched by arXiv id, DOI and title into the user's private collection, every other
entry reported, nothing written for a file that cannot be read; exports parsed back by
bibtexparser, rispy and json."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import rispy
from bibtexparser.entrypoint import parse_string

from paperwire.errors import LibraryFileError, NotFoundError
from paperwire.ingest import import_items
from paperwire.models import Paper, User
from paperwire.service import Service
from paperwire.sources.library import LibraryFormat

SAMPLES = Path(__file__).parent / "sources" / "library"
PASSWORD = "correct horse battery"
TODAY = date(2026, 11, 27)


def _paper(paper_id: str, title: str, **fields: object) -> Paper:
    return Paper(
        id=paper_id,
        title=title,
        abstract=f"The abstract of {title}.",
        authors=["Ada Lovelace", "Émile Zola"],
        categories=["cs.LG"],
        published=datetime(2017, 6, 12, tzinfo=UTC),
        sources=["test"],
        **fields,  # type: ignore[arg-type]
    )


STORED = [
    _paper("1706.03762", "Attention Is All You Need"),
    _paper("2201.00001", "Deep learning", doi="10.1038/NATURE14539", journal_ref="Nature 521"),
    _paper("1406.2661", "Generative Adversarial Networks"),
    _paper("1512.03385", "Deep Residual Learning for Image Recognition"),
]


@pytest.fixture
def alice(service: Service) -> User:
    import_items(service.store, [("test", p) for p in STORED], today=TODAY)
    return service.accounts.sign_up("alice", None, PASSWORD)


def _import(service: Service, user: User, name: str, **options: object):  # type: ignore[no-untyped-def]
    return service.library.import_file(user, (SAMPLES / name).read_bytes(), name, **options)  # type: ignore[arg-type]


def test_csl_json_entries_match_by_id_doi_and_title_into_a_private_collection(
    service: Service, alice: User
) -> None:
    report = _import(service, alice, "zotero.json")
    how = {m.paper_id: m.how for m in report.matched}
    assert how == {"1706.03762": "arxiv id", "2201.00001": "doi", "1406.2661": "title"}
    assert [e.title for e in report.unmatched] == [
        "A paper nobody has stored anywhere at all",
        "Another paper this store does not know",
    ]
    assert [p.where for p in report.problems] == [
        "zotero.json:48",
        "zotero.json:54",
        "zotero.json:59",
    ]
    assert report.not_fetched == [] and report.entries == 5 and report.added == 3
    collection = report.collection
    assert collection is not None and collection.name == "My library" and not collection.public
    assert service.store.community.collection_paper_ids(collection.id) == sorted(how)
    # Private: nobody else sees it, not even that it exists.
    bob = service.accounts.sign_up("bob", None, PASSWORD)
    with pytest.raises(NotFoundError):
        service.community.collection_page("alice", collection.slug, bob)

    again = _import(service, alice, "zotero.json")
    assert again.added == 0 and again.collection is not None
    assert again.collection.id == collection.id
    assert len(service.store.community.collection_paper_ids(collection.id)) == 3


def test_entries_naming_unstored_arxiv_papers_are_reported_not_fetched_offline(
    service: Service, alice: User
) -> None:
    report = _import(service, alice, "jabref.bib", collection="Reading group")
    assert {m.paper_id: m.how for m in report.matched} == {
        "1512.03385": "arxiv id",
        "1406.2661": "arxiv id",
    }
    assert [(e.arxiv_id, why) for e, why in report.not_fetched] == [
        ("1412.6980", "not in this paperwire, and fetching from arXiv is off here"),
        ("1703.06870", "not in this paperwire, and fetching from arXiv is off here"),
    ]
    assert len(report.problems) == 3
    assert report.collection is not None and report.collection.name == "Reading group"
    assert report.to_dict()["matched"] == {"arxiv id": 2, "doi": 0, "title": 0, "fetched": 0}


def test_ris_matches_dois_in_any_case(service: Service, alice: User) -> None:
    report = _import(service, alice, "mendeley.ris")
    assert [(m.paper_id, m.how) for m in report.matched] == [("2201.00001", "doi")]
    assert len(report.not_fetched) == 2 and len(report.problems) == 2


def test_a_file_with_no_match_writes_nothing(service: Service, alice: User) -> None:
    data = b"@misc{a, title = {A title that no stored paper carries at all}}"
    report = service.library.import_file(alice, data, "none.bib")
    assert report.collection is None and len(report.unmatched) == 1
    assert service.community.collections_of("alice", alice) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # 50 MB: refused before it is parsed.
        (b"@misc{k, title={Attention Is All You Need}}\n" * 1_200_000, "over the limit"),
        ((SAMPLES / "wrong.csv").read_bytes(), "not a library file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a UTF-8 text file"),
    ],
)
def test_an_unreadable_file_is_refused_and_changes_nothing(
    service: Service, alice: User, data: bytes, message: str
) -> None:
    with pytest.raises(LibraryFileError, match=message):
        service.library.import_file(alice, data, "upload")
    assert service.community.collections_of("alice", alice) == []


def test_exports_parse_back_with_the_reference_managers_own_readers(
    service: Service, alice: User
) -> None:
    report = _import(service, alice, "zotero.json")
    assert report.collection is not None
    slug = report.collection.slug

    bib = service.library.export_collection("alice", slug, alice, LibraryFormat.BIBTEX)
    assert bib.filename == f"alice-{slug}.bib" and bib.media_type.startswith("application/x-bibtex")
    entries = parse_string(bib.text).entries
    assert not parse_string(bib.text).failed_blocks
    assert sorted(e.fields_dict["eprint"].value for e in entries) == [
        "1406.2661",
        "1706.03762",
        "2201.00001",
    ]

    ris = service.library.export_collection("alice", slug, alice, LibraryFormat.RIS)
    records = rispy.loads(ris.text)
    assert sorted(r["title"] for r in records) == [
        "Attention Is All You Need",
        "Deep learning",
        "Generative Adversarial Networks",
    ]
    assert {r["doi"] for r in records if "doi" in r} == {"10.1038/NATURE14539"}

    csl = service.library.export_collection("alice", slug, alice, LibraryFormat.CSL_JSON)
    items = json.loads(csl.text)
    deep = next(i for i in items if i["title"] == "Deep learning")
    assert deep["DOI"] == "10.1038/NATURE14539" and deep["type"] == "article-journal"
    assert deep["issued"] == {"date-parts": [[2017, 6, 12]]}
    assert deep["author"][1] == {"family": "Zola", "given": "Émile"}
    attention = next(i for i in items if i["title"] == "Attention Is All You Need")
    assert attention["number"] == "arXiv:1706.03762"
    assert attention["DOI"] == "10.48550/arXiv.1706.03762"

    # An export read back in is the same library: every paper matched by its arXiv id.
    for export in (bib, ris, csl):
        back = service.library.import_file(alice, export.text.encode(), export.filename)
        assert {m.how for m in back.matched} == {"arxiv id"} and len(back.matched) == 3
        assert back.problems == [] and back.added == 0

    bob = service.accounts.sign_up("bob", None, PASSWORD)
    with pytest.raises(NotFoundError):
        service.library.export_collection("alice", slug, bob, LibraryFormat.BIBTEX)


def test_a_title_matches_a_stored_title_that_spells_its_accents_in_tex(
    service: Service, alice: User
) -> None:
    import_items(
        service.store,
        [("test", _paper("0801.00001", 'Stability of Schr\\"odinger ground states'))],
        today=TODAY,
    )
    data = '[{"title": "Stability of Schrödinger ground states"}]'.encode()
    report = service.library.import_file(alice, data, "accents.json")
    assert [(m.paper_id, m.how) for m in report.matched] == [("0801.00001", "title")]
