"""BibTeX and RIS exports read back by real parsers (bibtexparser, rispy): hostile titles, DOIs
and line breaks cannot forge fields or records, TeX math survives, keys transliterate."""

from __future__ import annotations

from datetime import UTC, datetime

import bibtexparser
import rispy

from paperwire.citations import bibtex, citation_key, ris
from paperwire.models import Paper

HOSTILE = Paper(
    id="2401.00001",
    title="$\\alpha$-div }, note = {forged}\n@misc{evil, title={x}}\r\nUR  - javascript:alert(1)",
    authors=["Jürgen Müller", "Eve } and {Mallory"],
    abstract="Line one.\nUR  - javascript:alert(2)\r\nER  - \nTY  - JOUR\u2028AU  - Forged",
    doi="10.1/x}, note={pwned",
    journal_ref="J. Foo 1 (2024)\nKW  - forged",
    categories=["cs.LG"],
    published=datetime(2024, 1, 2, tzinfo=UTC),
)


def test_bibtex_parses_back_to_one_entry_with_only_our_fields() -> None:
    library = bibtexparser.parse_string(bibtex(HOSTILE))
    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry.key == citation_key(HOSTILE) == "muller2024alpha"
    assert set(entry.fields_dict) == {
        "title", "author", "year", "eprint", "archivePrefix", "primaryClass", "doi",
        "journal", "url",
    }  # fmt: skip
    assert entry["title"].startswith("{$\\alpha$-div")
    assert entry["url"] == "https://arxiv.org/abs/2401.00001"
    assert entry["doi"].startswith("10.1/x")


def test_bibtex_keeps_math_and_escapes_text() -> None:
    paper = Paper(id="2401.00002", title="$\\alpha$-div for R&D at 5% of {B}ERT $x_i$")
    text = bibtex(paper)
    assert "title = {{$\\alpha$-div for R\\&D at 5\\% of {B}ERT $x_i$}}" in text
    [entry] = bibtexparser.parse_string(text).entries
    assert "$\\alpha$-div" in entry["title"]


def test_ris_parses_back_to_one_record_with_the_real_url() -> None:
    [record] = rispy.loads(ris(HOSTILE))
    assert record["urls"] == ["https://arxiv.org/abs/2401.00001"]
    assert record["authors"] == ["Jürgen Müller", "Eve } and {Mallory"]
    assert record["type_of_reference"] == "JOUR"
    assert record["keywords"] == ["cs.LG"]
    assert record["title"].startswith("$\\alpha$-div")
    assert "\n" not in record["abstract"]
