"""The query language: a pure parser that never crashes on user input."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperwire.errors import InvalidQueryError
from paperwire.search.query import MAX_QUERY_CHARS, parse_query


def test_full_language() -> None:
    q = parse_query(
        'retrieval augmented "Large Language Models" author:lewis author:"Yann LeCun" '
        "cat:cs.CL cat:cs.IR since:2024-01 until:2025"
    )
    assert q.terms == ["retrieval", "augmented"]
    assert q.phrases == ["large language models"]
    assert q.authors == ["lewis", "Yann LeCun"]
    assert q.categories == ["cs.CL", "cs.IR"]
    assert q.since == date(2024, 1, 1) and q.until == date(2025, 12, 31)
    assert q.text == "retrieval augmented large language models"


@pytest.mark.parametrize(
    ("raw", "terms", "warning"),
    [
        ("", [], None),
        ("!!! ??? ...", [], None),
        ('"unbalanced quote', [], None),
        ("author:", [], "author: needs a value"),
        ("author: transformers", ["transformers"], "author: needs a value"),
        ("NEAR( * OR OR", ["near", "or", "or"], None),
        ("x\x00\x07y\u200b z", ["x", "y", "z"], None),
        ("深度学习 模型", ["深度学习", "模型"], None),
        ("Übersetzung résumé", ["übersetzung", "résumé"], None),
        ("foo:bar", ["foo", "bar"], None),
        ("'; DROP TABLE papers; --", ["drop", "table", "papers"], None),
    ],
)
def test_odd_input(raw: str, terms: list[str], warning: str | None) -> None:
    q = parse_query(raw)
    assert q.terms == terms
    if warning:
        assert any(warning in w for w in q.warnings)
    if raw.startswith('"unbalanced'):
        assert q.phrases == ["unbalanced quote"]


def test_long_query_is_cut_with_a_warning() -> None:
    q = parse_query("word " * 2000)
    assert len(q.terms) <= 64
    assert any(str(MAX_QUERY_CHARS) in w for w in q.warnings)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("since:2025-13-01", "since:2025-13-01 is not a date"),
        ("until:yesterday", "until:yesterday is not a date"),
        ("since:2025-02-30", "not a date"),
        ("since:2026 until:2025", "is after"),
    ],
)
def test_invalid_dates_name_the_problem(raw: str, message: str) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        parse_query(raw)


@given(st.text(max_size=300))
def test_never_raises_anything_but_invalid_query(raw: str) -> None:
    try:
        q = parse_query(raw)
    except InvalidQueryError as exc:
        assert "since:" in str(exc) or "until:" in str(exc)
        return
    assert all(t and t == t.lower() for t in q.terms)
    assert len(q.terms) <= 64


@given(st.lists(st.from_regex(r"[a-z]{1,12}", fullmatch=True), min_size=1, max_size=10))
def test_plain_words_round_trip(ws: list[str]) -> None:
    assert parse_query(" ".join(ws)).terms == ws
