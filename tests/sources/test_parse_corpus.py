"""The 200k corpus (JSON lines, gzip): its first lines, and one line from each later part.

The whole file is a benchmark's job; here the first 6,000 lines (about 0.2 s) and two lines
picked from further down are enough to cover every field and the three upstream shapes.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperwire.models import Paper
from paperwire.sources import read_path
from paperwire.sources.corpus import parse_corpus

CORPUS = "corpus/papers-200k.jsonl.gz"
FIRST = 6_000
LINE_2012 = 5_743  # first line of the 2012 part (oai_dc: subjects, "Last, First" authors)
LINE_HF = 110_039  # first line from the Hugging Face archive (hf_upvotes)


@pytest.fixture(scope="module")
def head(shared_data: Path) -> list[Paper]:
    items = [item for _, item in itertools.islice(read_path(shared_data / CORPUS), FIRST)]
    assert all(isinstance(item, Paper) for item in items)
    return [item for item in items if isinstance(item, Paper)]


def raw_line(shared_data: Path, number: int) -> bytes:
    with gzip.open(shared_data / CORPUS, "rb") as lines:
        return next(itertools.islice(lines, number - 1, number))


def parse_line(line: bytes) -> Paper:
    [paper] = parse_corpus(io.BytesIO(line), "corpus.jsonl")
    assert isinstance(paper, Paper)
    return paper


def test_first_lines_match_the_file(shared_data: Path, head: list[Paper]) -> None:
    with gzip.open(shared_data / CORPUS, "rb") as lines:
        raw = [json.loads(line) for line in itertools.islice(lines, FIRST)]
    assert [p.id for p in head] == [r["id"] for r in raw]
    assert all(p.sources == ["corpus"] for p in head)
    assert all(
        p.first_seen == date.fromisoformat(r["first_seen"]) for p, r in zip(head, raw, strict=True)
    )
    # Sorted by (first_seen, id), as the README says.
    keys = [(p.first_seen, p.id) for p in head]
    assert keys == sorted(keys)


def test_first_line(head: list[Paper]) -> None:
    paper = head[0]
    assert paper.id == "0705.3347"
    assert paper.title == (
        "On critical normal sections for two-dimensional immersions in R^n and a Riemann-Hilbert "
        "problem"
    )
    # The upstream joined arXiv's wrapped title with three spaces; the raw form keeps them.
    assert paper.title_raw is not None and "R^n and a   Riemann" in paper.title_raw
    assert paper.abstract_raw is not None and "R^4 we\ndefine torsion" in paper.abstract_raw
    assert paper.authors == ["Steffen Froehlich", "Frank Mueller"]
    assert paper.categories == ["math.DG", "math.AP"]
    assert paper.first_seen == date(2007, 5, 24)
    assert (paper.comment, paper.published, paper.upvotes, paper.versions) == (None, None, None, [])


def test_2012_part(shared_data: Path, head: list[Paper]) -> None:
    paper = parse_line(raw_line(shared_data, LINE_2012))
    assert paper == head[LINE_2012 - 1]
    assert paper.id == "1103.5109"
    assert paper.categories == []  # only oai_dc subject names upstream, no codes
    # oai_dc creators come as "Last, First"; every other source says "First Last".
    assert paper.authors == [
        "Yoshimi Kanehata",
        "Tatsuo Kobayashi",
        "Yasufumi Konishi",
        "Osamu Seto",
        "Takashi Shimomura",
    ]
    assert paper.comment == "25 pages, 4 figures"
    assert paper.published == datetime(2011, 3, 26, tzinfo=UTC)
    assert paper.first_seen == date(2012, 1, 3)


def test_hugging_face_part(shared_data: Path) -> None:
    paper = parse_line(raw_line(shared_data, LINE_HF))
    assert paper.id == "2405.14906"
    assert paper.title == "AutoCoder: Enhancing Code Large Language Model with AIEV-Instruct"
    assert paper.authors == ["Bin Lei", "Yuchen Li", "Qiuwu Chen"]
    assert paper.upvotes == 7
    assert paper.published == datetime(2024, 5, 23, tzinfo=UTC)
    assert paper.first_seen == date(2024, 5, 27)


def test_author_entries_holding_several_names() -> None:
    # Real entries from one upstream (peiyade/daily-arXiv-ai-enhanced) of the corpus.
    line = json.dumps(
        {
            "id": "1701.00001",
            "title": "T",
            "abstract": "A",
            "authors": [
                "Felix Schulze,",
                "Zachary Munro,\n  Jason Snyder,",
                "Crist\\'obal Qui\\~ninao (LJLL,CIRB),\n  Jonathan Touboul (INRIA,CIRB)",
            ],
            "categories": [],
            "subjects": None,
            "comment": None,
            "published": None,
            "first_seen": "2017-01-02",
            "hf_upvotes": None,
            "sources": ["x"],
        }
    ).encode()
    assert parse_line(line).authors == [
        "Felix Schulze",
        "Zachary Munro",
        "Jason Snyder",
        "Cristóbal Quiñinao",  # the TeX accents decoded
        "Jonathan Touboul",
    ]


def test_tex_accents_in_real_author_names_are_decoded(head: list[Paper]) -> None:
    """1.2% of the corpus's author names spell accents in TeX (line 17: ``Schn\\"urer``)."""
    by_id = {p.id: p for p in head}
    assert "Oliver C. Schnürer" in by_id["0706.0421"].authors
    assert not [a for p in head for a in p.authors if "\\" in a]
