"""TeX math in titles and abstracts, rendered on the server as MathML Core (browsers draw it
with no script, so the CSP stays as it is), with math-core.

Math is what pandoc's ``tex_math_dollars`` rule calls math: ``$...$`` whose opening ``$`` has
a non-space character on its right, whose closing ``$`` has one on its left and is not
followed by a digit (so "$5 and $10" stays text), and ``$$...$$``; ``\\$`` is a dollar.

math-core (Rust) escapes the text it copies and refuses what it does not know (an author's own
macro, ``\\href``, bad TeX): such a formula is shown as its source text, exactly as the
abstract has it. Its markup is still checked here against an allow-list of elements and
attributes (anything else, and the formula stays text): a page must not trust a library's
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
# A "<" that does not open an allowed element's tag as math-core writes them: a lower-case
# name, attributes as name="value" (no quote or angle bracket inside), maybe self-closing.
_ALLOWED_NAME = "|".join(sorted(ELEMENTS))
_FOREIGN_TAG = re.compile(rf'<(?!/?(?:{_ALLOWED_NAME})(?:\s[a-z-]+="[^"<>]*")*/?>)')
_ATTRIBUTE_NAME = re.compile(r'\s([a-z-]+)="')
_DROP = re.compile(rf'\s(?:{"|".join(sorted(_DROPPED))})="[^"<>]*"')
_CONVERTER = LatexToMathML()


def _rebuilt(markup: str) -> str | None:
    """``markup`` with only allowed elements and attributes (``style`` and ``id`` dropped);
    None if anything else is in it: an unknown element or attribute, a tag of another shape,
    a stray angle bracket. Whole-string regular expressions rather than a walk over the
    tags: a paper page converts dozens of formulas, and the walk cost 3x the conversion."""
    if not markup.startswith("<math") or _FOREIGN_TAG.search(markup):
        return None
    # Each "<" opens a well-formed tag holding one ">": any other ">" is a stray one.
    if markup.count("<") != markup.count(">"):
        return None
    names = set(_ATTRIBUTE_NAME.findall(markup))
    if not names <= ATTRIBUTES | _DROPPED:
        return None
    return _DROP.sub("", markup) if names & _DROPPED else markup


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
