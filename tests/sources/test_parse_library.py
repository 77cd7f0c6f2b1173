"""Library files as Zotero, Mendeley and JabRef export them (tests/sources/library/): every
good entry read, every bad one a Problem with its line, field and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.errors import LibraryFileError
from paperwire.sources.library import (
    LibraryFormat,
    arxiv_id_in,
    doi_in,
    parse_library,
)
from paperwire.tex import tex_to_text

SAMPLES = Path(__file__).parent / "library"


def parsed(name: str):  # type: ignore[no-untyped-def]
    return parse_library((SAMPLES / name).read_bytes(), name)


def test_zotero_bibtex_with_tex_accents() -> None:
    library = parsed("zotero.bib")
    assert library.format is LibraryFormat.BIBTEX
    assert library.problems == []
    attention, kernel, etude, scaling = library.entries
    assert attention.arxiv_id == "1706.03762"  # from url, doi and note alike
    assert attention.title == "Attention Is All You Need"
    assert attention.authors[0] == "Ashish Vaswani" and attention.year == 2017
    assert attention.where == "zotero.bib:2"
    assert kernel.arxiv_id is None and kernel.doi == "10.1162/089976698300017467"
    assert kernel.authors == ("Bernhard Schölkopf", "Alexander Smola", "Klaus-Robert Müller")
    assert etude.title == "Étude des réseaux à mémoire pour la traduction"
    assert etude.authors == ("José García", "Noël François", "Søren Østergaard")
    assert scaling.arxiv_id == "2305.01234"  # Zotero's number = {arXiv:...}
    assert scaling.title == "Scaling Laws for Sparse Mixture-of-Experts & Dense Models"


def test_jabref_bibtex_with_comments_strings_duplicates_and_damage() -> None:
    library = parsed("jabref.bib")
    ids = [e.arxiv_id for e in library.entries]
    # eprint + archivePrefix, journal "arXiv preprint arXiv:...", the duplicate key (imported
    # too), an arxiv.org URL with a version; @String and @Comment blocks are not entries.
    assert ids == ["1512.03385", "1412.6980", "1703.06870", "1406.2661"]
    problems = {p.where: p for p in library.problems}
    assert set(problems) == {"jabref.bib:22", "jabref.bib:31", "jabref.bib:37"}
    assert "duplicate key 'He2016' (first at line 5)" in problems["jabref.bib:22"].reason
    assert problems["jabref.bib:22"].field == "key"
    assert "unbalanced braces" in problems["jabref.bib:31"].reason
    assert problems["jabref.bib:37"].field == "title"
    assert "no arXiv id, DOI or title" in problems["jabref.bib:37"].reason


def test_mendeley_ris_with_unknown_tags_and_a_cut_record() -> None:
    library = parsed("mendeley.ris")
    assert library.format is LibraryFormat.RIS
    bert, deep, gpt3 = library.entries
    assert bert.arxiv_id == "1810.04805" and bert.year == 2018  # despite the unknown M4/XY
    assert bert.authors[:2] == ("Jacob Devlin", "Ming-Wei Chang")
    assert deep.doi == "10.1038/nature14539" and deep.year == 2015  # DOIs compare lower case
    assert gpt3.arxiv_id == "2005.14165" and gpt3.title == "Language Models are Few-Shot Learners"
    assert [(str(p.where), p.field) for p in library.problems] == [
        ("mendeley.ris:30", "title"),
        ("mendeley.ris:42", "ER"),
    ]


def test_zotero_csl_json_with_odd_dates_and_bad_items() -> None:
    library = parsed("zotero.json")
    assert library.format is LibraryFormat.CSL_JSON
    years = [(e.title, e.year) for e in library.entries]
    assert years == [
        ("Attention Is All You Need", 2017),  # date-parts with the year as a string
        ("Deep learning", 2015),
        ("Generative Adversarial Networks", 2014),  # {"literal": "Spring 2014"}
        ("A paper nobody has stored anywhere at all", 2019),  # {"raw": "2019-13-45"}
        ("Another paper this store does not know", None),  # {"date-parts": [[]]}
    ]
    assert library.entries[0].arxiv_id == "1706.03762"
    assert library.entries[1].authors == ("Yann LeCun", "The Deep Learning Consortium")
    assert [(p.where, p.field) for p in library.problems] == [
        ("zotero.json:48", "author"),
        ("zotero.json:54", "title"),
        ("zotero.json:59", None),
    ]


def test_broken_json_keeps_the_items_before_it() -> None:
    data = b'[{"title": "A readable first item here"},\n{"title": "cut'
    library = parse_library(data, "cut.json")
    assert [e.title for e in library.entries] == ["A readable first item here"]
    (problem,) = library.problems
    assert problem.where == "cut.json:2" and "invalid JSON" in problem.reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((SAMPLES / "wrong.csv").read_bytes(), "not a library file"),
        (b"%PDF-1.7\n\xff\xfe binary", "not a UTF-8 text file"),
        (b"", "not a library file"),
    ],
)
def test_the_wrong_format_is_refused_saying_what_was_expected(data: bytes, message: str) -> None:
    with pytest.raises(LibraryFileError, match=message):
        parse_library(data, "upload")


def test_a_format_asked_for_must_be_the_files() -> None:
    with pytest.raises(LibraryFileError, match="expected ris, but the file looks like bibtex"):
        parse_library((SAMPLES / "zotero.bib").read_bytes(), "zotero.bib", LibraryFormat.RIS)


def test_over_long_values_are_the_entrys_problem() -> None:
    data = b"@misc{k, title = {" + b"x" * 20_000 + b"}}\n@misc{j, title={A fine title here}}"
    library = parse_library(data, "long.bib")
    assert [e.title for e in library.entries] == ["A fine title here"]
    assert library.problems[0].field == "title" and "longer than" in library.problems[0].reason


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("arXiv:2301.00001v2", "2301.00001"),
        ("arXiv preprint arXiv:1412.6980", "1412.6980"),
        ("https://arxiv.org/pdf/2005.14165.pdf", "2005.14165"),
        ("10.48550/arXiv.1706.03762", "1706.03762"),
        ("arXiv:hep-th/9901001", "hep-th/9901001"),
        ("2301.00001", "2301.00001"),
        ("Neural Computation", None),
        ("arXiv:2313.00001", None),  # month 13
    ],
)
def test_arxiv_ids_in_text(text: str, found: str | None) -> None:
    assert arxiv_id_in(text) == found


def test_dois_in_text() -> None:
    assert doi_in("https://doi.org/10.1038/NATURE14539.") == "10.1038/nature14539"
    assert doi_in("no doi here") is None


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"M{\"u}ller", "Müller"),
        (r"\'{E}mile", "Émile"),
        (r"Fran{\c c}ois Stra{\ss}e", "François Straße"),
        (r"Garc{\'\i}a", "García"),
        (r"{AT\&T} 50\% \{x\}", "AT&T 50% {x}"),
        (r"$\alpha$-{Nets}~now", r"$\alpha$-Nets now"),
        (r"\textit{Deep} Learning", "Deep Learning"),  # anything else: pylatexenc
    ],
)
def test_tex_to_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text
