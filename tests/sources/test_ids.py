"""Property tests for arXiv ids: every spelling the sources use normalises to one canonical id."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperwire.errors import InvalidIdError
from paperwire.ids import derived_id, is_arxiv_id, is_derived, normalize_id, split_version
from paperwire.sources.common import RecordError
from paperwire.sources.fields import arxiv_id

# How the sources in shared/data (and arXiv at large) spell an id around its core.
PREFIXES = [
    "",
    "arXiv:",
    "arxiv:",
    "oai:arXiv.org:",
    "http://arxiv.org/abs/",
    "https://arxiv.org/abs/",
    "https://www.arxiv.org/abs/",
    "http://export.arxiv.org/abs/",
    "https://arxiv.org/pdf/",
    "https://arxiv.org/html/",
]
ARCHIVES = ["hep-th", "hep-ph", "math", "cond-mat", "astro-ph", "quant-ph", "cs", "math.AP"]


@st.composite
def new_style(draw: st.DrawFn) -> str:
    """``YYMM.NNNN`` (2007-2014) or ``YYMM.NNNNN`` (2015 on)."""
    year = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    digits = draw(st.sampled_from([4, 5]))
    number = draw(st.integers(0, 10**digits - 1))
    return f"{year:02d}{month:02d}.{number:0{digits}d}"


@st.composite
def old_style(draw: st.DrawFn) -> str:
    """``archive[.SC]/YYMMNNN``, e.g. ``hep-th/9901001``, ``math.AP/0501001``."""
    archive = draw(st.sampled_from(ARCHIVES))
    return f"{archive}/{draw(st.integers(0, 9_999_999)):07d}"


@st.composite
def spelling(draw: st.DrawFn, core: str) -> tuple[str, int | None]:
    version = draw(st.none() | st.integers(1, 999))
    prefix = draw(st.sampled_from(PREFIXES))
    # Prefixes are matched case-insensitively ("ARXIV:", "HTTPS://ARXIV.ORG/ABS/").
    prefix = "".join(c.upper() if draw(st.booleans()) else c for c in prefix)
    text = prefix + core + (f"v{version}" if version is not None else "")
    if prefix.lower().endswith("/pdf/") and draw(st.booleans()):
        text += ".pdf"
    padding = draw(st.sampled_from(["", " ", "\n", "\t "]))
    return padding + text + padding, version


canonical_ids = new_style() | old_style()


@given(st.data(), canonical_ids)
def test_every_spelling_normalises_to_the_canonical_id(data: st.DataObject, core: str) -> None:
    raw, version = data.draw(spelling(core))
    assert split_version(raw) == (core, version)
    assert normalize_id(raw) == core
    assert is_arxiv_id(raw)
    assert arxiv_id(raw) == (core, version)  # what every parser calls


@given(canonical_ids)
def test_normalising_is_idempotent(core: str) -> None:
    assert normalize_id(core) == core
    assert normalize_id(normalize_id(f"arXiv:{core}v3")) == core


@given(st.integers(0, 99), st.integers(13, 99), st.integers(0, 99_999))
def test_month_out_of_range_is_invalid(year: int, month: int, number: int) -> None:
    raw = f"{year:02d}{month:02d}.{number:05d}"
    with pytest.raises(InvalidIdError, match="month"):
        split_version(raw)
    with pytest.raises(RecordError):
        arxiv_id(raw)


@given(st.text(min_size=1))
def test_derived_ids_never_pass_for_arxiv_ids(title: str) -> None:
    derived = derived_id(title)
    assert is_derived(derived)
    assert not is_arxiv_id(derived)
    # The same title, wrapped differently (a copied page vs a feed), gets the same id.
    assert derived == derived_id("  " + "\n  ".join(title.split()) + "\n")


@pytest.mark.parametrize("raw", ["", "abc", "0704", "0704.1", "hep-th/99", "1234.5678v", "x-abc"])
def test_not_ids(raw: str) -> None:
    assert not is_arxiv_id(raw)
