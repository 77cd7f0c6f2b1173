"""The pure merge decision, without a database."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from paperwire.ingest import decide_batch, listing_day, merge
from paperwire.models import Deleted, Paper, Version

TODAY = date(2026, 11, 27)

versions = st.lists(st.integers(1, 9), max_size=3, unique=True).map(
    lambda ns: [Version(n, datetime(2024, 1, n, tzinfo=UTC)) for n in sorted(ns)]
)
papers = st.builds(
    Paper,
    id=st.sampled_from(["2401.00001", "2401.00002", "hep-th/9901001"]),
    title=st.text(min_size=1, max_size=20),
    abstract=st.text(max_size=30),
    authors=st.lists(st.text(min_size=1, max_size=10), max_size=3),
    categories=st.lists(st.sampled_from(["cs.CL", "cs.AI", "math.AP"]), max_size=2, unique=True),
    versions=versions,
    upvotes=st.none() | st.integers(0, 500),
    first_seen=st.none() | st.dates(date(2020, 1, 1), date(2026, 1, 1)),
    sources=st.lists(st.sampled_from(["corpus", "hf-daily", "arxiv-oai"]), max_size=2, unique=True),
)


@given(st.lists(papers | st.builds(Deleted, id=st.sampled_from(["2401.00001"])), max_size=8))
def test_applying_the_same_batch_twice_changes_nothing(items: list[Paper | Deleted]) -> None:
    written = {p.id: p for p in decide_batch({}, copy.deepcopy(items), TODAY)}
    assert decide_batch(written, copy.deepcopy(items), TODAY) == []


@given(papers)
def test_merging_a_paper_with_itself_changes_nothing(paper: Paper) -> None:
    stored = merge(None, paper, TODAY)
    assert stored is not None
    assert merge(stored, copy.deepcopy(paper), TODAY) is None


def test_older_version_changes_no_metadata() -> None:
    v2 = Paper(id="2401.00001", title="New", versions=[Version(2, None)])
    v1 = Paper(id="2401.00001", title="Old", authors=["A"], versions=[Version(1, None)])
    stored = merge(None, v2, TODAY)
    assert stored is not None
    merged = merge(stored, v1, TODAY)
    assert merged is not None
    assert merged.title == "New" and merged.authors == ["A"]  # gap filled, title kept


def test_a_source_read_again_corrects_the_same_version() -> None:
    """arXiv corrects metadata without a new version, and an upgraded parser reads a line
    better: the same source's changed record replaces what it said. Another source saying
    something else about the same version fills gaps only (first source wins)."""
    first = Paper(id="2401.00001", title="T", authors=[r"Victor P\'eron"],
                  versions=[Version(1, None)], input_digests={"corpus": "aa"})  # fmt: skip
    stored = merge(None, first, TODAY)
    assert stored is not None
    reread = copy.deepcopy(first)
    reread.authors, reread.input_digests = ["Victor Péron"], {"corpus": "bb"}
    merged = merge(stored, reread, TODAY)
    assert merged is not None and merged.authors == ["Victor Péron"]
    other = copy.deepcopy(first)
    other.authors, other.input_digests = ["V. Péron"], {"snapshot": "cc"}
    merged = merge(stored, other, TODAY)
    assert merged is not None and merged.authors == [r"Victor P\'eron"]


def test_deletion_of_unknown_paper_is_a_no_op() -> None:
    assert decide_batch({}, [Deleted("2401.00001")], TODAY) == []


def test_a_paper_no_source_dates_is_never_stamped_today() -> None:
    undated = Paper(id="x-0123456789", title="A page's paper", sources=["hf-page"])
    added = merge(None, undated, TODAY)
    assert added is not None and added.first_seen is None
    published = Paper(
        id="2401.00001", title="t", published=datetime(2024, 1, 2, tzinfo=UTC), sources=["atom"]
    )
    stamped = merge(None, published, TODAY)
    assert stamped is not None and stamped.first_seen == TODAY  # dated: first seen on import
    # A later source that dates it does.
    dated = merge(added, Paper(id=undated.id, title="t", first_seen=date(2025, 3, 11)), TODAY)
    assert dated is not None and dated.first_seen == date(2025, 3, 11)


def test_a_listing_day_without_its_year() -> None:
    # The papers it lists were published up to 2 Mar 2025: "Mar 11" is 11 Mar 2025.
    assert listing_day((3, 11), date(2025, 3, 2), TODAY) == date(2025, 3, 11)
    assert listing_day((3, 11), date(2025, 3, 20), TODAY) == date(2026, 3, 11)
    assert listing_day((3, 11), None, TODAY) == date(2026, 3, 11)
    assert listing_day((12, 31), None, TODAY) == date(2025, 12, 31)
    assert listing_day((2, 29), None, TODAY) == date(2024, 2, 29)
    assert listing_day((3, 11), date(2026, 11, 1), TODAY) is None  # it would be in the future
