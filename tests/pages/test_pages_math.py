"""TeX in real arXiv titles and abstracts is drawn as MathML on the server (no script, the CSP
unchanged); what latex2mathml cannot do, or would do unsafely, stays the source text."""

from __future__ import annotations

import json
from pathlib import Path

from pages_helpers import SNAPSHOT_DAY, Site

from paperwire.web.mathml import with_math

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"


def _records(shared_data: Path) -> dict[str, dict[str, str]]:
    lines = (shared_data / SNAPSHOT).read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def test_real_titles_and_abstracts_become_mathml(shared_data: Path) -> None:
    records = _records(shared_data)
    title = with_math(" ".join(records["0704.0005"]["title"].split()))
    assert title.startswith('From dyadic <math display="inline"')
    assert title.count("<math ") == 2 and "<msub><mi>Λ</mi><mrow><mi>α</mi></mrow></msub>" in title
    assert "$" not in title
    crystal = with_math(" ".join(records["0704.0119"]["title"].split()))
    assert "CeAg<math" in crystal and "<mn>2</mn>" in crystal
    # An author's own macro (\Q) is not TeX latex2mathml knows: the source text stays.
    macro = with_math(" ".join(records["0704.0011"]["title"].split()))
    assert "<math" not in macro and "$\\Q(\\sqrt{5})$" in macro


def test_most_formulas_of_real_abstracts_convert(shared_data: Path) -> None:
    converted = kept = 0
    for record in _records(shared_data).values():
        html = with_math(" ".join(record["abstract"].split()))
        converted += html.count("<math ")
        kept += html.count("$") // 2
    assert converted > 150 and converted > 5 * kept, (converted, kept)


def test_unsafe_or_broken_tex_stays_text() -> None:
    for tex in (
        "$\\text{<script>alert(1)</script>}$",
        "$\\href{javascript:alert(1)}{x}$",
        "$a & b$",
        "$\\frac{1}{$",
        "$\\text{<!DOCTYPE x>}$",
    ):
        html = with_math(f"see {tex} here")
        assert "<math" not in html and "<script" not in html, html
        assert "see " in html and " here" in html
    assert with_math("costs $5 and $10 a month") == "costs $5 and $10 a month"
    assert with_math("<b>$x$</b>").startswith("&lt;b&gt;<math")


def test_pages_show_mathml_under_the_same_csp(site: Site) -> None:
    page = site.client.get("/papers/0704.0005")
    assert page.status_code == 200
    assert '<h1>From dyadic <math display="inline"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    day = site.client.get(f"/papers/date/{SNAPSHOT_DAY.isoformat()}").text
    assert 'From dyadic <math display="inline"' in day
