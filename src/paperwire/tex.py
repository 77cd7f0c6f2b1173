"""TeX text to plain Unicode text (pure): the accents, special letters and escapes that
BibTeX fields and arXiv's titles, abstracts and author lists spell in TeX
(``Schr\\"{o}dinger``, ``Fran\\c{c}ois``)."""

from __future__ import annotations

import re
import unicodedata

# Hand-written because pylatexenc (what bibtexparser's LatexDecodingMiddleware runs) takes
# ~2 ms a field here: 20 s for the titles and authors of a 5,000-entry file. These are the
# accents and letters reference managers and arXiv's author lists write; anything else falls
# back to pylatexenc.
_ACCENTS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_LETTERS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}  # fmt: skip
# (?<!\\): ``\\`` is TeX's line break, not the start of an accent or letter.
_ACCENT_RE = re.compile(
    r"(?<!\\)\\([`'^\"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
    r"|(?<!\\)\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))"
)
_LETTER_RE = re.compile(r"(?<!\\)\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s?")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
# Escaped specials stand aside as private-use characters while braces and ties are dropped.
_ASIDE = {ch: chr(0xE000 + n) for n, ch in enumerate("&%$#_{}")}
_BACK = str.maketrans({v: k for k, v in _ASIDE.items()})


def _accent(match: re.Match[str]) -> str:
    mark = _ACCENTS[match.group(1) or match.group(4)]
    base = next(g for g in match.group(2, 3, 5, 6) if g)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + mark)


# Where an accent or special letter might start (a superset of the two patterns above, with
# no backtracking: most texts hold none and are passed over by this one scan).
_MAYBE_ACCENT = re.compile(
    r"\\[`'^\"~=.]|\\[uvHckrdb][\s{]|\\(?:ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])"
)
_MATH = re.compile(r"(?<!\\)(\$[^$]*\$)")  # split on it: math at the odd positions
_LONE_LETTER = re.compile(r"\{([^\x00-\x7f]{1,2})\}")  # {ö}: the braces of {\"o}, decoded


def _decoded(text: str) -> str:
    text = _ACCENT_RE.sub(_accent, text)
    return _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], text)


def decode_accents(text: str) -> str:
    """Titles and abstracts: the accents and special letters spelled in TeX outside math
    as the letters (``Schr\\"{o}dinger`` is ``Schrödinger``, shown and searched so); all
    else, math and other commands, as written (the pages draw the math)."""
    if "\\" not in text or not _MAYBE_ACCENT.search(text):
        return text  # most texts, math or not: one cheap scan
    parts = _MATH.split(text)
    for n in range(0, len(parts), 2):
        if "\\" in parts[n]:
            parts[n] = _LONE_LETTER.sub(r"\1", _decoded(parts[n]))
    return "".join(parts)


def tex_to_text(value: str) -> str:
    """A BibTeX field value as plain text: accents (``{\\"u}``, ``\\'{e}``, ``\\c c``),
    special letters (``{\\ss}``), escapes (``\\&``), ties and grouping braces decoded; TeX math
    (``$\\alpha$``) is kept as written, as the store keeps it."""
    parts = _MATH.split(_decoded(value))
    plain = []
    for n, part in enumerate(parts):
        if n % 2:
            plain.append(part)
            continue
        part = _ESCAPED.sub(lambda m: _ASIDE[m.group(1)], part)
        if "\\" in part:
            part = _pylatexenc(part)
        plain.append(part.replace("{", "").replace("}", "").replace("~", " "))
    return " ".join("".join(plain).translate(_BACK).split())


def _pylatexenc(text: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        return str(LatexNodes2Text(math_mode="verbatim").latex_to_text(text))
    except RecursionError:  # braces nested thousands deep (hostile input): kept as written
        return text
