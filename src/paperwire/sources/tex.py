"""TeX text to plain Unicode text (pure): the accents, special letters and escapes that
BibTeX fields and arXiv's author lists spell in TeX (``Schr\\"odinger``, ``Fran\\c{c}ois``)."""

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
_ACCENT_RE = re.compile(
    r"\\([`'^\"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
    r"|\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))"
)
_LETTER_RE = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])\s?")
_ESCAPED = re.compile(r"\\([&%$#_{}])")
# Escaped specials stand aside as private-use characters while braces and ties are dropped.
_ASIDE = {ch: chr(0xE000 + n) for n, ch in enumerate("&%$#_{}")}
_BACK = str.maketrans({v: k for k, v in _ASIDE.items()})


def _accent(match: re.Match[str]) -> str:
    mark = _ACCENTS[match.group(1) or match.group(4)]
    base = next(g for g in match.group(2, 3, 5, 6) if g)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + mark)


def tex_to_text(value: str) -> str:
    """A BibTeX field value as plain text: accents (``{\\"u}``, ``\\'{e}``, ``\\c c``),
    special letters (``{\\ss}``), escapes (``\\&``), ties and grouping braces decoded; TeX math
    (``$\\alpha$``) is kept as written, as the store keeps it."""
    text = _ACCENT_RE.sub(_accent, value)
    text = _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], text)
    parts = re.split(r"(?<!\\)(\$[^$]*\$)", text)
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
