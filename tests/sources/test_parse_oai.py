"""OAI-PMH responses: arXiv, arXivRaw and oai_dc records, deleted records, errors, paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperwire.models import Deleted, Item, Paper, Problem, Version
from paperwire.sources.oai import parse_oai_page

ItemsOf = Callable[..., list[Item]]
HARVESTER = "arxiv-oai/mikesaelim_arXivOAIHarvester"
INSPIRE = "arxiv-oai/inspirehep_hepcrawl"

# Every XML file in arxiv-oai: path -> ids of the papers it holds, in order.
EXPECTED_IDS = {
    f"{HARVESTER}/ListRecordsResponse.xml": [
        "0704.0471",
        "0704.0716",
        "0704.0874",
        "0704.1109",
        "0704.1114",
        "0704.1586",
    ],
    f"{HARVESTER}/GetRecordResponse.xml": ["1302.2146"],
    f"{INSPIRE}/functional/arxiv-physics-hep-ex.xml": ["1706.05371", "1706.09418", "1707.00874"],
    f"{INSPIRE}/functional/arxiv-physics-hep-th.xml": ["1412.8323", "1507.07790", "1607.01710"],
    f"{INSPIRE}/functional/arxiv-single.xml": ["1401.2122"],
    f"{INSPIRE}/unit/sample_arxiv_record.xml": [
        "1601.03238",
        "1512.07978",
        "1603.00997",
        "1603.01251",
        "1603.05976",
        "1604.05585",
        "1606.06775",
        "1606.07066",
        "1606.07538",
        "1607.00786",
        "1606.04259",
        "1808.04927",
    ],
    f"{INSPIRE}/unit/sample_arxiv_record0.xml": ["1601.03238"],
    f"{INSPIRE}/unit/sample_arxiv_record1.xml": ["1512.07978"],
    f"{INSPIRE}/unit/sample_arxiv_record2.xml": ["1603.00997"],
    f"{INSPIRE}/unit/sample_arxiv_record3.xml": ["1603.01251"],
    f"{INSPIRE}/unit/sample_arxiv_record4.xml": ["1603.05976"],
    f"{INSPIRE}/unit/sample_arxiv_record5.xml": ["1604.05585"],
    f"{INSPIRE}/unit/sample_arxiv_record6.xml": ["1606.06775"],
    f"{INSPIRE}/unit/sample_arxiv_record7.xml": ["1606.07066"],
    f"{INSPIRE}/unit/sample_arxiv_record8.xml": ["1606.07538"],
    f"{INSPIRE}/unit/sample_arxiv_record9.xml": ["1607.00786"],
    f"{INSPIRE}/unit/sample_arxiv_record10.xml": ["1606.04259"],
}

ERRORS = {
    "ErrorResponseBadArgument.xml": (
        "badArgument",
        "Verb 'ListRecords', illegal argument 'identifier'.",
    ),
    "ErrorResponseBadResumptionToken.xml": (
        "badResumptionToken",
        "The resumptionToken supplied is illegal for this repository",
    ),
    "ErrorResponseBadVerb.xml": ("badVerb", "Bad verb. Verb 'wah' not implemented."),
    "ErrorResponseIdDoesNotExist.xml": (
        "idDoesNotExist",
        "Identifier 'oai:arXiv.org:0813.2274' has correct form but does not correspond to an "
        "item in this repository",
    ),
}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize("rel", sorted(EXPECTED_IDS))
def test_every_record_file(shared_data: Path, items_of: ItemsOf, rel: str) -> None:
    items = items_of(shared_data / rel)
    assert all(isinstance(i, Paper) for i in items), items
    papers = [i for i in items if isinstance(i, Paper)]
    assert [p.id for p in papers] == EXPECTED_IDS[rel]
    assert all(p.sources == ["oai-pmh"] and p.title and p.abstract for p in papers)


def test_every_xml_file_is_covered(shared_data: Path) -> None:
    found = {p.relative_to(shared_data).as_posix() for p in shared_data.glob("arxiv-oai/**/*.xml")}
    errors = {f"{HARVESTER}/{name}" for name in [*ERRORS, "ErrorResponseNoRecordsMatch.xml"]}
    assert found == set(EXPECTED_IDS) | errors


def test_list_records_arxiv_raw(shared_data: Path) -> None:
    path = shared_data / HARVESTER / "ListRecordsResponse.xml"
    page = parse_oai_page(path.read_bytes(), path.name)
    assert page.resumption_token == "726959|1001"
    assert page.complete_list_size == 58011
    assert page.response_date == "2015-01-06T20:49:59Z"
    assert (page.error_code, page.error_message) == (None, None)
    first, second = page.items[0], page.items[1]
    assert isinstance(first, Paper) and isinstance(second, Paper)
    # "A, B, and C": commas and "and" both separate names.
    assert first.authors == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
    assert first.submitter == "Dinesh Shetty"
    assert first.categories == ["nucl-ex", "nucl-th"]
    # Two DOIs (article and erratum): the first is the paper's.
    assert first.doi == "10.1103/PhysRevC.76.024606"
    assert first.journal_ref == "Phys.Rev.C76:024606,2007; Erratum-ibid.C76:039902,2007"
    assert first.license is None
    assert first.title == (
        "Density dependence of the symmetry energy and the nuclear equation of state: "
        "A Dynamical and Statistical model perspective"
    )
    assert first.title_raw is not None and "\n  state" in first.title_raw
    assert first.abstract.startswith("The density dependence of the symmetry energy")
    assert 'extremely " stiff " and " soft "' in first.abstract  # &quot; decoded
    assert second.versions == [
        Version(1, utc(2007, 4, 5, 12, 45, 3)),
        Version(2, utc(2007, 9, 28, 15, 13, 43)),
        Version(3, utc(2008, 2, 29, 16, 5, 39)),
        Version(4, utc(2008, 11, 14, 9, 7, 25)),
    ]
    assert (second.published, second.updated) == (
        utc(2007, 4, 5, 12, 45, 3),
        utc(2008, 11, 14, 9, 7, 25),
    )
    # Comments wrap at 80 columns in arXiv; the line break is not part of the text.
    assert second.comment == (
        "54 pages, 2 figures; v2 updated and slightly expanded; v3 changes in some proofs; "
        "v4 slightly expanded"
    )
    assert second.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_get_record_arxiv_raw(shared_data: Path, items_of: ItemsOf) -> None:
    [paper] = items_of(shared_data / HARVESTER / "GetRecordResponse.xml")
    assert isinstance(paper, Paper)
    assert paper.id == "1302.2146"
    assert paper.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert paper.authors == ["Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo"]
    assert paper.categories == ["hep-ph", "hep-ex"]
    assert paper.comment == "18 pages, 6 figures; v2: References added"
    assert paper.versions == [
        Version(1, utc(2013, 2, 8, 21, 0, 1)),
        Version(2, utc(2013, 4, 2, 1, 50, 8)),
    ]


def test_arxiv_format(shared_data: Path, items_of: ItemsOf) -> None:
    [paper] = items_of(shared_data / INSPIRE / "functional/arxiv-single.xml")
    assert isinstance(paper, Paper)
    assert paper.id == "1401.2122"
    assert paper.authors == ["A. Sergyeyev"]
    assert paper.categories == ["math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI"]
    assert paper.doi == "10.1007/s11005-017-1013-4"
    assert paper.journal_ref == "Lett. Math. Phys. 108 (2018), no. 2, 359-376"
    # created is v1's date; updated the latest version's (its number is not in this format).
    assert paper.published == utc(2014, 1, 9)
    assert paper.updated == utc(2017, 10, 23)
    assert paper.versions == [Version(1, utc(2014, 1, 9))]
    assert paper.abstract_raw is not None and "vector fields.\n  In particular" in (
        paper.abstract_raw
    )


def test_arxiv_format_author_oddities(shared_data: Path, items_of: ItemsOf) -> None:
    unit = shared_data / INSPIRE / "unit"
    [planck] = items_of(unit / "sample_arxiv_record0.xml")
    assert isinstance(planck, Paper)
    # keyname without forenames; three DOIs separated by "," and ";"; metadata that inherits the
    # OAI namespace (no xmlns on <arXiv>).
    assert planck.authors == [
        "Planck Collaboration",
        "Jieci Wang",
        "Zehua Tian",
        "Jiliang Jing",
        "Heng Fan",
    ]
    assert planck.doi == "10.1103/PhysRevD.93.016005"
    assert planck.categories == ["quant-ph", "gr-qc", "hep-th", "chao-dyn", "nlin.CD"]
    [bicep] = items_of(unit / "sample_arxiv_record4.xml")
    assert isinstance(bicep, Paper)
    # The lone ":" keyname between collaboration and members is not an author.
    assert bicep.authors[:4] == ["Keck Array", "BICEP2 Collaborations", "P. Ade", "Z. Ahmed"]
    assert len(bicep.authors) == 65
    assert "R. W. IV" in bicep.authors  # keyname W., forenames R., suffix IV
    [accents] = items_of(unit / "sample_arxiv_record5.xml")
    assert isinstance(accents, Paper)
    assert accents.authors[0] == "Günter Burigana"


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_responses_are_problems(shared_data: Path, items_of: ItemsOf, name: str) -> None:
    code, message = ERRORS[name]
    path = shared_data / HARVESTER / name
    assert items_of(path) == [Problem(name, f"OAI-PMH error {code}: {message}")]
    page = parse_oai_page(path.read_bytes(), name)
    assert (page.error_code, page.error_message) == (code, message)
    assert page.resumption_token is None


def test_no_records_match_is_an_empty_page(shared_data: Path, items_of: ItemsOf) -> None:
    path = shared_data / HARVESTER / "ErrorResponseNoRecordsMatch.xml"
    assert items_of(path) == []
    page = parse_oai_page(path.read_bytes(), path.name)
    assert page.items == []
    assert page.error_code == "noRecordsMatch"
    assert page.error_message == "Set argument doesn't match any sets. The setSpec was 'moo'"
    assert page.response_date == "2015-06-23T13:28:30Z"


def test_deleted_records(shared_data: Path) -> None:
    # arXiv sends a deleted record as a header with status="deleted" and no metadata.
    data = (shared_data / HARVESTER / "ListRecordsResponse.xml").read_bytes()
    start = data.index(b"<record>", data.index(b"0704.0874") - 200)
    end = data.index(b"</record>", start) + len(b"</record>")
    deleted = (
        b'<record><header status="deleted"><identifier>oai:arXiv.org:0704.0874</identifier>'
        b"<datestamp>2015-01-01</datestamp></header></record>"
    )
    page = parse_oai_page(data[:start] + deleted + data[end:], "deleted.xml")
    kinds = [type(i).__name__ for i in page.items]
    assert kinds == ["Paper", "Paper", "Deleted", "Paper", "Paper", "Paper"]
    assert page.items[2] == Deleted("0704.0874")
    assert page.resumption_token == "726959|1001"


def test_empty_resumption_token_means_last_page(shared_data: Path) -> None:
    data = (shared_data / HARVESTER / "ListRecordsResponse.xml").read_bytes()
    data = data.replace(b">726959|1001</resumptionToken>", b"></resumptionToken>")
    page = parse_oai_page(data, "last.xml")
    assert page.resumption_token is None
    assert page.complete_list_size == 58011
    assert len(page.items) == 6


OAI_DC = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2024-01-02T03:04:05Z</responseDate>
<request verb="GetRecord" identifier="oai:arXiv.org:0704.0001" metadataPrefix="oai_dc">
http://export.arxiv.org/oai2</request>
<GetRecord><record><header><identifier>oai:arXiv.org:0704.0001</identifier>
<datestamp>2008-11-13</datestamp><setSpec>physics:hep-ph</setSpec></header>
<metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Calculation of prompt diphoton production cross sections at Tevatron and
  LHC energies</dc:title>
<dc:creator>Bal\xc3\xa1zs, C.</dc:creator>
<dc:creator>Berger, E. L.</dc:creator>
<dc:creator>Nadolsky, P. M.</dc:creator>
<dc:creator>Yuan, C. -P.</dc:creator>
<dc:subject>High Energy Physics - Phenomenology</dc:subject>
<dc:description>  A fully differential calculation in perturbative quantum chromodynamics is
presented for the production of massive photon pairs at hadron colliders.
</dc:description>
<dc:description>Comment: 37 pages, 15 figures; published version</dc:description>
<dc:date>2007-04-02</dc:date>
<dc:date>2007-07-24</dc:date>
<dc:type>text</dc:type>
<dc:identifier>http://arxiv.org/abs/0704.0001</dc:identifier>
<dc:identifier>Phys.Rev.D76:013009,2007</dc:identifier>
<dc:identifier>doi:10.1103/PhysRevD.76.013009</dc:identifier>
</oai_dc:dc>
</metadata></record></GetRecord></OAI-PMH>
"""


def test_oai_dc_record() -> None:
    # The same paper as the snapshot's first line, in arXiv's oai_dc shape.
    [paper] = parse_oai_page(OAI_DC, "dc.xml").items
    assert isinstance(paper, Paper)
    assert paper.id == "0704.0001"
    assert paper.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert paper.categories == []  # subject names are not category codes
    assert paper.abstract.startswith("A fully differential calculation")
    assert paper.comment == "37 pages, 15 figures; published version"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.versions == [Version(1, utc(2007, 4, 2)), Version(2, utc(2007, 7, 24))]
    assert (paper.published, paper.updated) == (utc(2007, 4, 2), utc(2007, 7, 24))
