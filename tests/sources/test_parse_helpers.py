"""The shared helpers (common, fields, names): text cleaning, author names, DOIs, dates."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperwire.models import Paper, clean_text, set_text
from paperwire.sources.common import RecordError
from paperwire.sources.fields import first_doi, iso_datetime, rfc2822_datetime
from paperwire.sources.names import inverted_name, join_name, split_authors
from paperwire.tex import decode_accents


def regex_clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@given(st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000ab")))
def test_clean_text_collapses_exactly_the_regex_whitespace(text: str) -> None:
    # clean_text uses str.split for speed; it must agree with the \s+ definition.
    assert clean_text(text) == regex_clean(text)


def test_set_text_keeps_raw_text_with_line_breaks(shared_data: Path) -> None:
    with gzip.open(shared_data / "corpus/papers-200k.jsonl.gz", "rb") as lines:
        for line in itertools.islice(lines, 2_000):
            record = json.loads(line)
            paper = Paper(id="0704.0001")
            set_text(paper, title=record["title"], abstract=record["abstract"])
            assert paper.abstract == regex_clean(decode_accents(record["abstract"]))
            if paper.abstract_raw is not None:
                assert paper.abstract_raw == record["abstract"]


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"the Schr\"{o}dinger equation", "the Schrödinger equation"),
        (r"M{\"u}ller, Erd\H{o}s and Poincar\'e", "Müller, Erdős and Poincaré"),
        (r"{\L}ukasiewicz and \o rsted", "Łukasiewicz and ørsted"),
        # math, escapes, other commands and TeX's line break stay as written
        (r"$\"a + \alpha$ costs \$5 \emph{now}", r"$\"a + \alpha$ costs \$5 \emph{now}"),
        (r"first\\Lemma", r"first\\Lemma"),
        ("the set {a}", "the set {a}"),
    ],
)
def test_tex_accents_in_titles_and_abstracts(tex: str, text: str) -> None:
    assert decode_accents(tex) == text
    paper = Paper(id="0704.0001")
    set_text(paper, title=tex, abstract=tex)
    assert paper.title == paper.abstract == text
    assert paper.title_raw == (None if tex == text else tex)


@pytest.mark.parametrize(
    "hostile", ["\\'" + " " * 100_000, "\\" * 100_000, '\\"{' * 50_000, "$" * 100_000 + "\\o"]
)
def test_hostile_tex_in_an_abstract_is_read_at_once(hostile: str) -> None:
    paper = Paper(id="0704.0001")
    set_text(paper, abstract=hostile)  # regular expressions only: linear in the text
    assert isinstance(paper.abstract, str)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "D.V. Shetty, S.J. Yennello, and G.A. Souliotis",
            ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"],
        ),
        ("N.C. Summers and F.M. Nunes", ["N.C. Summers", "F.M. Nunes"]),
        ("A. One (MIT, Cambridge), B. Two (CERN)", ["A. One", "B. Two"]),
        ("A. One and\n  B. Two; C. Three", ["A. One", "B. Two", "C. Three"]),
        ("The BABAR Collaboration, B. Aubert, et al", ["The BABAR Collaboration", "B. Aubert"]),
        ("Alexander Anderson", ["Alexander Anderson"]),  # "and" inside a word is no separator
        ("", []),
        (" , ; and ", []),
        # arXiv's author strings spell accents in TeX: decoded, as the other sources spell them
        (r"C. Bal\'azs, R. Tom\`as and Mikkel {\O}bro", ["C. Balázs", "R. Tomàs", "Mikkel Øbro"]),
        (
            r"Rastislav \v{S}r\'amek, Fran\c{c}ois Le Dimet (LJK)",
            ["Rastislav Šrámek", "François Le Dimet"],
        ),
    ],
)
def test_split_authors(text: str, names: list[str]) -> None:
    assert split_authors(text) == names


@pytest.mark.parametrize(
    ("creator", "name"),
    [
        ("Balázs, C.", "C. Balázs"),
        ("de Perio, P.", "P. de Perio"),
        ("Heath, Jr., Robert W.", "Robert W. Heath Jr."),
        ("Smith, John, III", "John Smith III"),
        ("Planck Collaboration", "Planck Collaboration"),
        ("Felix Schulze,", "Felix Schulze"),
        (":", ""),
        (r"Sch{\"o}lkopf, Bernhard", "Bernhard Schölkopf"),
    ],
)
def test_inverted_name(creator: str, name: str) -> None:
    assert inverted_name(creator) == name


def test_first_doi() -> None:
    assert first_doi("10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902") == (
        "10.1103/PhysRevC.76.024606"
    )
    assert first_doi("10.1/a, 10.1/b;10.1/c") == "10.1/a"
    assert first_doi(None) is None
    assert first_doi(" ") is None


def test_dates_are_utc() -> None:
    assert iso_datetime("2016-10-09T00:00:00-04:00", "d") == datetime(2016, 10, 9, 4, tzinfo=UTC)
    assert iso_datetime("2024-05-28T17:47:19.000Z", "d") == datetime(
        2024, 5, 28, 17, 47, 19, tzinfo=UTC
    )
    assert iso_datetime("2014-01-09", "d") == datetime(2014, 1, 9, tzinfo=UTC)
    moment = rfc2822_datetime("Mon, 2 Apr 2007 19:18:42 GMT", "d")
    assert moment == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert moment is not None and moment.utcoffset() == timedelta(0)
    assert rfc2822_datetime("Mon, 2 Apr 2007 21:18:42 +0200", "d") == moment.astimezone(
        timezone(timedelta(hours=2))
    )
    with pytest.raises(RecordError, match="not an ISO date"):
        iso_datetime("yesterday", "published")
    with pytest.raises(RecordError, match="not an RFC 2822 date"):
        rfc2822_datetime("2007-04-02", "versions")


@pytest.mark.parametrize(
    "hostile",
    [
        "\\" * 20_000,
        "{" * 20_000 + "a",
        r"\foo{" * 5_000,  # pylatexenc recursed past Python's limit on this
        r"\v{" * 3_000 + "s",
        r"\"" * 10_000 + "o",
    ],
)
def test_hostile_tex_in_a_name_gives_text_not_an_error(hostile: str) -> None:
    """A name is whatever the record says: braces nested thousands deep and runs of
    backslashes come back as some text (or no name), never an exception."""
    assert isinstance(join_name(hostile), str)
    assert isinstance(split_authors(hostile), list)
