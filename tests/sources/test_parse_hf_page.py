"""The copied Hugging Face Papers page: titles and abstracts without ids."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from paperwire.ids import derived_id, is_derived
from paperwire.models import Paper, Problem
from paperwire.sources.hf_page import CHROME, parse_hf_page

PAGE = "seed/hf-papers-page.txt"
PapersOf = Callable[..., list[Paper]]


@pytest.fixture
def page(shared_data: Path, papers_of: PapersOf) -> list[Paper]:
    return papers_of(shared_data / PAGE)


def test_every_paper_on_the_page(shared_data: Path, page: list[Paper]) -> None:
    # The data README says 97 papers, but the file holds 95 title/abstract pairs: its non-blank
    # lines are 5 chrome lines, then 95 x (title, abstract), as counted here.
    lines = (shared_data / PAGE).read_text(encoding="utf-8").split("\n")
    non_blank = [line for line in lines if line.strip()]
    assert len(non_blank) == 5 + 2 * 95
    assert len(page) == 95
    assert len({p.id for p in page}) == 95
    assert [p.title for p in page] == non_blank[5::2]
    assert [p.abstract for p in page] == non_blank[6::2]


def test_chrome_is_not_a_paper(page: list[Paper]) -> None:
    titles = {p.title for p in page}
    assert not titles & (CHROME | {"Mar 11"})
    assert page[0].title == "WebArena: A Realistic Web Environment for Building Autonomous Agents"
    assert page[-1].title == "Llumnix: Dynamic Scheduling for Large Language Model Serving"
    assert page[1].title == (
        "Scaling Up Natural Language Understanding for Multi-Robots Through the Lens of Hierarchy"
    )


def test_papers_carry_only_what_the_page_says(page: list[Paper]) -> None:
    for paper in page:
        assert is_derived(paper.id)
        assert paper.id == derived_id(paper.title)
        assert paper.sources == ["hf-page"]
        assert paper.authors == [] and paper.categories == [] and paper.versions == []
        assert paper.title_raw is None and paper.abstract_raw is None  # one line each
    assert page[0].id == "x-4305d2704b15"
    # The page's own typo is kept as given.
    assert "However, cur rent agents are primarily created and tested" in page[0].abstract
    assert page[-1].abstract.endswith(
        "publicly available at https://github.com/AlibabaPAI/llumnix."
    )


def test_page_layout_variations() -> None:
    text = (
        "new\n\nSubscribe\n\nJun 3, 2024\n\n"
        "A Title\n\nAn abstract.\n\n\n\nSecond Title\r\n\r\nSecond abstract.\r\n\r\n"
        "Dangling Title\n"
    )
    items = list(parse_hf_page(io.BytesIO(text.encode()), "page.txt"))
    assert [(p.title, p.abstract) for p in items if isinstance(p, Paper)] == [
        ("A Title", "An abstract."),
        ("Second Title", "Second abstract."),
        # A copy cut off after a title still names a paper the ingest can match by title.
        ("Dangling Title", ""),
    ]
    assert list(parse_hf_page(io.BytesIO(b"new\n\nSubscribe\n\nMar 11\n"), "p.txt")) == []


def test_bad_lines(shared_data: Path) -> None:
    lines = (shared_data / PAGE).read_bytes().split(b"\n")
    lines[10] = b"WebArena: \xff\xfe broken"  # the first title
    lines[14] = b"T" * 2_001  # the second title, one over the limit
    items = list(parse_hf_page(io.BytesIO(b"\n".join(lines)), "page.txt"))
    assert items[0] == Problem("page.txt:11", "invalid UTF-8", "title")
    assert items[1] == Problem("page.txt:15", "title longer than 2,000 characters (2,001)", "title")
    assert all(isinstance(p, Paper) for p in items[2:])
    assert len(items) == 95


def test_the_date_line_dates_the_papers(shared_data: Path, page: list[Paper]) -> None:
    # The real page says "Mar 11" without a year: kept for the ingest step to place.
    assert {p.listed_on for p in page} == {(3, 11)}
    assert {p.first_seen for p in page} == {None}
    raw = (shared_data / PAGE).read_bytes()
    with_year = list(parse_hf_page(io.BytesIO(raw.replace(b"Mar 11", b"Mar 11, 2025")), "p"))
    assert {p.first_seen for p in with_year if isinstance(p, Paper)} == {date(2025, 3, 11)}
    no_such_day = list(parse_hf_page(io.BytesIO(raw.replace(b"Mar 11", b"Feb 30")), "p"))
    papers = [p for p in no_such_day if isinstance(p, Paper)]
    assert len(papers) == 95 and {(p.listed_on, p.first_seen) for p in papers} == {(None, None)}
