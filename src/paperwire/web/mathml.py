"""TeX math in titles and abstracts, rendered on the server as MathML (browsers draw it with
no script, so the CSP stays as it is), with latex2mathml.

Math is what pandoc's ``tex_math_dollars`` rule calls math: ``$...$`` whose opening ``$`` has
a non-space character on its right, whose closing ``$`` has one on its left and is not
followed by a digit (so "$5 and $10" stays text), and ``$$...$$``; ``\\$`` is a dollar.

latex2mathml is made for trusted input: it copies ``\\text{...}`` verbatim (markup included),
leaves ``&`` unescaped and turns ``\\href`` into an attribute. So its output is parsed and
rebuilt here from an allow-list of MathML elements and attributes; anything else, an unknown
command (which it keeps as text such as ``\\foo``) or a conversion error, and the formula is
shown as its source text, exactly as the abstract has it.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from latex2mathml.converter import convert
from markupsafe import Markup, escape

MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<display>[^$]+?)\$\$"  # $$...$$
    r"|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s\\$])?)\$(?![\d$])"  # $...$, pandoc's rule
)
ELEMENTS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "mfenced",
        "merror",
        "semantics",
        "annotation",
        "mmultiscripts",
        "mprescripts",
        "none",
    ]
)
ATTRIBUTES = frozenset(
    [
        "display",
        "stretchy",
        "mathvariant",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "movablelimits",
        "columnalign",
        "rowalign",
        "columnspacing",
        "rowspacing",
        "columnlines",
        "rowlines",
        "frame",
        "linethickness",
        "minsize",
        "maxsize",
        "width",
        "height",
        "depth",
        "symmetric",
        "largeop",
        "notation",
        "scriptlevel",
        "displaystyle",
        "form",
        "open",
        "close",
        "separators",
        "mathcolor",
        "mathbackground",
        "align",
    ]
)
LONGEST = 2000  # characters of TeX in one formula; a longer one stays text


def _clean(element: ET.Element) -> ET.Element | None:
    """A copy of ``element`` keeping only allowed MathML; None if anything else is in it."""
    tag = element.tag.removeprefix(MATHML_NS)
    if tag not in ELEMENTS or any(a not in ATTRIBUTES for a in element.attrib):
        return None
    if tag in ("mi", "mo") and (element.text or "").startswith("\\"):
        return None  # a command latex2mathml does not know, kept as its name
    copy = ET.Element(tag, dict(element.attrib))
    copy.text = element.text
    for child in element:
        cleaned = _clean(child)
        if cleaned is None:
            return None
        cleaned.tail = child.tail
        copy.append(cleaned)
    return copy


@functools.lru_cache(maxsize=8192)
def formula(tex: str, display: bool = False) -> str | None:
    """One formula as MathML markup, or None when it cannot be shown as MathML."""
    if len(tex) > LONGEST:
        return None
    try:
        raw = convert(tex, display="block" if display else "inline")
        if "<!" in raw or "<?" in raw:  # no DTDs, entities or processing instructions
            return None
        root = ET.fromstring(raw)
    except Exception:  # latex2mathml raises many kinds on bad TeX: any of them means "text"
        return None
    cleaned = _clean(root)
    if cleaned is None:
        return None
    cleaned.set("xmlns", MATHML_NS[1:-1])
    return ET.tostring(cleaned, encoding="unicode", short_empty_elements=False)


def with_math(text: str, plain: Callable[[str], Markup] = escape) -> Markup:
    """``text`` with its formulas as MathML; the rest through ``plain`` (escaping, or
    escaping and links); a formula that cannot be converted stays as its source text."""
    if "$" not in text:
        return plain(text)
    out: list[str] = []
    last = 0
    for match in _MATH.finditer(text):
        display = match.group("display") is not None
        markup = formula(match.group("display") or match.group("inline"), display)
        if markup is None:
            continue  # stays in the plain text around it
        out.append(str(plain(text[last : match.start()])))
        out.append(markup)
        last = match.end()
    out.append(str(plain(text[last:])))
    return Markup("".join(out))
