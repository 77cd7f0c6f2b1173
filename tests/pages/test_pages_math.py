"""TeX in real arXiv titles and abstracts is drawn as MathML on the server (no script, the CSP
unchanged); what math-core cannot do stays the source text, and nothing else than MathML (and
the few HTML text tags math-core puts in ``<mtext>``) reaches the page."""

from __future__ import annotations

import json
from pathlib import Path

from pages_helpers import SNAPSHOT_DAY, Site

from paperwire.web.mathml import _rebuilt, with_math

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"


def _records(shared_data: Path) -> dict[str, dict[str, str]]:
    lines = (shared_data / SNAPSHOT).read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def test_real_titles_and_abstracts_become_mathml(shared_data: Path) -> None:
    records = _records(shared_data)
    title = with_math(" ".join(records["0704.0005"]["title"].split()))
    assert title.startswith("From dyadic <math><msub>")
    assert title.count("<math>") == 2 and '<mi mathvariant="normal">Λ</mi>' in title
    assert "<mi>α</mi></msub>" in title
    assert "$" not in title
    crystal = with_math(" ".join(records["0704.0119"]["title"].split()))
    assert "CeAg<math" in crystal and "<mn>2</mn>" in crystal
    # An author's own macro (\Q) is not TeX math-core knows: the source text stays.
    macro = with_math(" ".join(records["0704.0011"]["title"].split()))
    assert "<math" not in macro and "$\\Q(\\sqrt{5})$" in macro


def test_most_formulas_of_real_abstracts_convert(shared_data: Path) -> None:
    converted = kept = 0
    for record in _records(shared_data).values():
        html = with_math(" ".join(record["abstract"].split()))
        converted += html.count("<math>")
        kept += html.count("$") // 2
    assert converted > 150 and converted > 5 * kept, (converted, kept)


def test_unsafe_or_broken_tex_stays_text() -> None:
    # Markup typed as TeX is text inside the formula, escaped.
    escaped = with_math("see $\\text{<script>alert(1)</script>}$ here")
    assert "<mtext>&lt;script&gt;alert(1)&lt;/script&gt;</mtext>" in escaped
    assert "<script" not in escaped
    assert "<mtext>&lt;!DOCTYPE\xa0x&gt;</mtext>" in with_math("$\\text{<!DOCTYPE x>}$")
    for tex in (
        "$\\href{javascript:alert(1)}{x}$",
        '$\\color{#FF0000" onload="x}{y}$',
        "$a & b$",
        "$\\frac{1}{$",
    ):
        html = with_math(f"see {tex} here")
        assert "<math" not in html and "<script" not in html, html
        assert "see " in html and " here" in html
    assert with_math("costs $5 and $10 a month") == "costs $5 and $10 a month"
    assert with_math("<b>$x$</b>").startswith("&lt;b&gt;<math")


def test_only_allowed_markup_is_rebuilt() -> None:
    """What would reach the page if math-core ever emitted it: anything not on the allow-list
    leaves the formula as text; ``style`` (refused by the CSP) and ``id`` are dropped."""
    kept = '<math display="block"><mtd style="width: 50%" id="csrf_token"><mi>x</mi></mtd></math>'
    assert _rebuilt(kept) == '<math display="block"><mtd><mi>x</mi></mtd></math>'
    assert _rebuilt("<math><mtext><b>bold</b> &amp; <code>x</code></mtext></math>")
    for hostile in (
        "<math><script>alert(1)</script></math>",
        '<math><mi onmouseover="alert(1)">x</mi></math>',
        '<math><mi href="javascript:alert(1)">x</mi></math>',
        "<math><mi x=1>x</mi></math>",
        '<math><mi class="a" junk>x</mi></math>',
        "<math><mi>x</mi></math><img src=x>",
        "<math><mi>a > b</mi></math>",
        '</math class="a">',
        "<mi>x</mi>",
    ):
        assert _rebuilt(hostile) is None, hostile


def test_pages_show_mathml_under_the_same_csp(site: Site) -> None:
    page = site.client.get("/papers/0704.0005")
    assert page.status_code == 200
    assert "<h1>From dyadic <math><msub>" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    day = site.client.get(f"/papers/date/{SNAPSHOT_DAY.isoformat()}").text
    assert "From dyadic <math><msub>" in day
