"""arXiv API (Atom) responses: the 2016 and 2026 recordings, wrappers, errors and paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperwire.models import Item, Paper, Problem, Version
from paperwire.sources.atom import parse_atom_feed

ItemsOf = Callable[..., list[Item]]
RECORDED = "arxiv-api/recorded_2026"
BODIES = "arxiv-api/recorded_2026_body_xml"
OLD = "arxiv-api/xml_2016"

# file stem -> (entries, totalResults, startIndex, itemsPerPage, first ids)
PAGES_2026 = {
    "id_0000.0000_s0_m100_8b51d9633a68": (0, 0, 0, 100, []),
    "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af": (1, 1, 0, 100, ["1707.08567"]),
    "id_0808.05394_s0_m100_7b0c7d0a7cdd": (0, 0, 0, 100, []),
    "id_1605.08386_s0_m100_199195aa31ad": (1, 1, 0, 100, ["1605.08386"]),
    "id_1707.08567_s0_m100_6a1afebfc6a3": (1, 1, 0, 100, ["1707.08567"]),
    "id_2104.12255v1_s0_m100_6ae69987ffe1": (1, 1, 0, 100, ["2104.12255"]),
    "id_astro-ph_0601001_s0_m100_3150dca9dc76": (1, 1, 0, 100, ["astro-ph/0601001"]),
    "id_quant-ph_0201082v1_s0_m100_86989fe779ef": (1, 1, 0, 100, ["quant-ph/0201082"]),
    "q_testing_s0_m100_cfe7536492ca": (100, 214881, 0, 100, ["2202.12139", "2405.13786"]),
    "q_testing_s0_m10_bc5a6c384fe9": (10, 214881, 0, 10, ["2202.12139", "2405.13786"]),
    "q_testing_s0_m15_80c242b59d59": (15, 214881, 0, 15, ["2202.12139", "2405.13786"]),
    "q_testing_s10_m10_34e56e15aaac": (10, 214881, 10, 10, ["2403.16981", "2004.03322"]),
    "q_testing_s20_m10_348a237fecab": (10, 214881, 20, 10, ["2008.01944", "2005.06826"]),
    "q_testing_s30_m10_f2e39f0143dc": (10, 214881, 30, 10, ["2101.12036", "2504.04921"]),
    "q_testing_s40_m10_96dd32eb854c": (10, 214881, 40, 10, ["1704.08347", "2202.09076"]),
    "q_testing_s50_m10_7f488ab8598c": (10, 214881, 50, 10, ["1709.03221", "cs/0503050"]),
    "q_testing_s5_m10_c0e94a259d4a": (10, 214881, 5, 10, ["1202.4527", "2503.05378"]),
    "q_testing_s5_m15_bbcf6b23085b": (15, 214881, 5, 15, ["1202.4527", "2503.05378"]),
    "q_testing_s9_m15_0b78d4b4d476": (15, 214881, 9, 15, ["1812.11470", "2403.16981"]),
}

# 2016 style: file -> (totalResults, [(id, latest version)])
PAGES_2016 = {
    "id_list_1111.2011v2.xml": (1, [("1111.2011", 2)]),
    "search_au_del_maestro.xml": (
        31,
        [
            ("1201.4869", 1),
            ("cond-mat/0412498", 1),
            ("cond-mat/0603029", 1),
            ("1005.5383", 1),
            ("1303.6954", 2),
            ("1312.6177", 1),
            ("1412.6529", 2),
            ("cond-mat/0607501", 2),
            ("cond-mat/0702661", 2),
            ("0807.2873", 1),
        ],
    ),
    "search_au_del_maestro_ANDNOT_ti_checkerboard_OR_ti_Pyrochlore.xml": (
        24,
        [
            ("1201.4869", 1),
            ("cond-mat/0412498", 1),
            ("1005.5383", 1),
            ("1303.6954", 2),
            ("1312.6177", 1),
            ("1412.6529", 2),
            ("cond-mat/0607501", 2),
            ("0807.2873", 1),
            ("1101.2206", 3),
            ("1111.2011", 2),
        ],
    ),
    "search_au_del_maestro_AND_ti_checkerboard.xml": (1, [("cond-mat/0603029", 1)]),
    "search_au_del_maestro_AND_ti_quantum_criticality.xml": (
        2,
        [("1111.2011", 2), ("cond-mat/0607501", 2)],
    ),
}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize("stem", sorted(PAGES_2026))
def test_2026_pages_body_and_wrapper_agree(shared_data: Path, items_of: ItemsOf, stem: str) -> None:
    count, total, start, per_page, first_ids = PAGES_2026[stem]
    body = shared_data / BODIES / f"{stem}.http200.xml"
    feed = parse_atom_feed(body.read_bytes(), body.name)
    assert (len(feed.items), feed.total_results, feed.start_index, feed.items_per_page) == (
        count,
        total,
        start,
        per_page,
    )
    assert feed.error is None
    assert all(isinstance(p, Paper) for p in feed.items)
    assert [p.id for p in feed.items if isinstance(p, Paper)][:2] == first_ids
    # The recorded JSON wrapper holds the same body: detected as Atom, same papers.
    from_body = items_of(body)
    from_wrapper = items_of(shared_data / RECORDED / f"{stem}.json")
    assert from_wrapper == from_body == feed.items


@pytest.mark.parametrize("name", sorted(PAGES_2016))
def test_2016_pages(shared_data: Path, name: str) -> None:
    total, expected = PAGES_2016[name]
    path = shared_data / OLD / name
    feed = parse_atom_feed(path.read_bytes(), name)
    assert feed.total_results == total
    assert (feed.start_index, feed.items_per_page) == (0, 10)
    papers = [p for p in feed.items if isinstance(p, Paper)]
    assert [(p.id, p.latest_version) for p in papers] == expected
    assert all(p.sources == ["arxiv-atom"] for p in papers)


def test_2016_entry_fields(shared_data: Path, items_of: ItemsOf) -> None:
    [paper] = items_of(shared_data / OLD / "id_list_1111.2011v2.xml")
    assert isinstance(paper, Paper)
    assert paper.id == "1111.2011"
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert paper.title_raw == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large\n"
        "  Connectivity Limit"
    )
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as")
    assert paper.abstract_raw is not None
    assert paper.abstract_raw.startswith(
        "  Theoretical description of anisotropic systems, such as layered\n"
    )
    assert paper.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    # primary_category first, then the other categories, without repeating it
    assert paper.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert paper.comment == "8 pages, 3 figures. Published version"
    assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.published == utc(2011, 11, 8, 18, 48, 36)
    assert paper.updated == utc(2012, 4, 2, 12, 38, 54)
    # Atom knows v1's date (published) and the latest version's (updated), nothing between.
    assert paper.versions == [
        Version(1, utc(2011, 11, 8, 18, 48, 36)),
        Version(2, utc(2012, 4, 2, 12, 38, 54)),
    ]


def test_2026_entry_fields(shared_data: Path, items_of: ItemsOf) -> None:
    items = items_of(shared_data / RECORDED / "q_testing_s0_m10_bc5a6c384fe9.json")
    first, third, fourth = items[0], items[2], items[3]
    assert isinstance(first, Paper) and isinstance(third, Paper) and isinstance(fourth, Paper)
    assert first.id == "2202.12139"
    assert first.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert first.title_raw is None  # 2026 titles come unwrapped
    assert first.authors == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]
    assert first.categories == ["cs.SE", "cs.LG"]
    assert first.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.versions == [Version(1, utc(2022, 2, 24, 15, 5, 19))]
    assert third.id == "2005.14124"
    assert third.categories == ["cs.SE", "cs.CR", "cs.LG"]
    assert third.published == utc(2020, 5, 28, 16, 19, 50)
    assert third.updated == utc(2020, 7, 16, 8, 15, 48)
    # v3 is the latest; v2 is unknown to Atom, so it is not invented.
    assert fourth.id == "2204.08348"
    assert [v.number for v in fourth.versions] == [1, 3]


def test_old_style_ids_and_odd_titles(shared_data: Path, items_of: ItemsOf) -> None:
    [astro] = items_of(
        shared_data / BODIES / "id_astro-ph_0601001_s0_m100_3150dca9dc76.http200.xml"
    )
    assert isinstance(astro, Paper)
    assert astro.id == "astro-ph/0601001"
    assert astro.authors == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert astro.journal_ref == "ActaAstron.56:1-50,2006"
    [quant] = items_of(shared_data / RECORDED / "id_quant-ph_0201082v1_s0_m100_86989fe779ef.json")
    assert isinstance(quant, Paper)
    assert (quant.id, quant.categories) == ("quant-ph/0201082", ["quant-ph", "cs.PL"])
    # A real paper titled "0": a falsy-looking title is still a title.
    [zero] = items_of(shared_data / BODIES / "id_2104.12255v1_s0_m100_6ae69987ffe1.http200.xml")
    assert isinstance(zero, Paper)
    assert (zero.id, zero.title, zero.authors) == ("2104.12255", "0", ["Quan Thoi Minh Nguyen"])


def test_long_author_list_kept_as_recorded(shared_data: Path, items_of: ItemsOf) -> None:
    path = shared_data / BODIES / "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.http200.xml"
    [paper] = items_of(path)
    assert isinstance(paper, Paper)
    assert len(paper.authors) == 34
    assert paper.authors[0] == "Kees A. Schouhamer Immink"
    # The 2026 recording holds UTF-8 decoded as Latin-1 ("Wübben"); we keep what the feed says.
    assert "Dirk WÃ¼bben" in paper.authors


def test_error_feed_is_a_problem(shared_data: Path, items_of: ItemsOf) -> None:
    body = shared_data / BODIES / "id_abc_s0_m100_b79c8dcf6bc3.http400.xml"
    feed = parse_atom_feed(body.read_bytes(), body.name)
    assert feed.error == "incorrect id format for abc"
    assert feed.items == [
        Problem(f"{body.name} record 1", "arXiv API error: incorrect id format for abc")
    ]
    assert items_of(body) == feed.items
    # The recorded wrapper also says HTTP 400: one Problem for the response, never a Paper.
    wrapper = shared_data / RECORDED / "id_abc_s0_m100_b79c8dcf6bc3.json"
    assert items_of(wrapper) == [
        Problem(wrapper.name, "arXiv API error response (HTTP 400: incorrect id format for abc)")
    ]
    recorded = parse_atom_feed(wrapper.read_bytes(), wrapper.name)
    assert recorded.error == "incorrect id format for abc"


def test_every_recorded_file_parses(shared_data: Path, items_of: ItemsOf) -> None:
    papers = problems = 0
    for folder in (RECORDED, BODIES, OLD):
        items = items_of(shared_data / folder)
        papers += sum(isinstance(i, Paper) for i in items)
        problems += sum(isinstance(i, Problem) for i in items)
    # 2 x 221 entries in 2026 (bodies and wrappers) + 24 in 2016; the two 400s are Problems.
    assert (papers, problems) == (466, 2)
