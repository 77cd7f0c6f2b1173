"""TeX math in titles and abstracts, rendered on the server as MathML Core (browsers draw it
with no script, so the CSP stays as it is), with math-core.

Math is what pandoc's ``tex_math_dollars`` rule calls math: ``$...$`` whose opening ``$`` has
a non-space character on its right, whose closing ``$`` has one on its left and is not
followed by a digit (so "$5 and $10" stays text), and ``$$...$$``; ``\\$`` is a dollar.

math-core (Rust) escapes the text it copies and refuses what it does not know (an author's own
macro, ``\\href``, bad TeX): such a formula is shown as its source text, exactly as the
abstract has it. Its markup is still rebuilt here, tag by tag, from an allow-list of elements
and attributes (anything else, and the formula stays text): a page must not trust a library's
output with its users' sessions. ``style`` and ``id`` are dropped: the CSP refuses inline
styles anyway, and an id could shadow one of the page's own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from markupsafe import Markup, escape
from math_core import LatexError, LatexToMathML

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
        # HTML that math-core puts inside <mtext> for \\textbf, \\textit, \\emph, \\texttt, \\textrm
        "b",
        "i",
        "em",
        "code",
        "span",
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
        "class",
    ]
)
_DROPPED = frozenset(["style", "id"])
LONGEST = 2000  # characters of TeX in one formula; a longer one stays text
_TAG = re.compile(r"<(/?)([a-z]+)([^<>]*?)(/?)>")
_ATTRIBUTE = re.compile(r'\s+([a-z-]+)="([^"<>]*)"')
_CONVERTER = LatexToMathML()


def _rebuilt(markup: str) -> str | None:
    """``markup`` rebuilt from allowed elements and attributes only; None if anything else
    (an unknown element or attribute, a tag of another shape, a stray angle bracket) is in
    it."""
    out: list[str] = []
    last = 0
    for tag in _TAG.finditer(markup):
        text = markup[last : tag.start()]
        if ">" in text or "<" in text:
            return None
        closing, name, attributes, empty = tag.groups()
        if name not in ELEMENTS or (closing and (attributes.strip() or empty)):
            return None
        kept: list[str] = []
        end = 0
        for attribute in _ATTRIBUTE.finditer(attributes):
            if attribute.start() != end:
                return None
            end = attribute.end()
            key = attribute.group(1)
            if key in ATTRIBUTES:
                kept.append(attribute.group(0))
            elif key not in _DROPPED:
                return None
        if attributes[end:].strip():
            return None
        out.append(f"{text}<{closing}{name}{''.join(kept)}{empty}>")
        last = tag.end()
    if markup[last:] or not markup.startswith("<math"):
        return None
    return "".join(out)


@functools.lru_cache(maxsize=8192)
def formula(tex: str, display: bool = False) -> str | None:
    """One formula as MathML markup, or None when it cannot be shown as MathML."""
    if len(tex) > LONGEST:
        return None
    try:
        raw = _CONVERTER.convert_with_local_state(tex, displaystyle=display)
    except LatexError:
        return None
    return _rebuilt(raw)


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
