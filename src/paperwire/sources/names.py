"""Author names: splitting arXiv's one-string lists, and putting "Last, First" the right way
round, so the same person is spelled the same way by every source."""

from __future__ import annotations

import re

from paperwire.tex import tex_to_text


def split_authors(value: str) -> list[str]:
    """Split arXiv's one-string author list: ``"A. One, B. Two and C. Three"``.

    Separators are commas, semicolons and the word "and", but only outside parentheses, which
    hold affiliations (``"A. One (MIT, Cambridge)"``); the affiliations are dropped, because the
    other sources (Atom, authors_parsed, HF) give bare names and the names must merge.
    """
    flat = " ".join(value.split())
    names: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(flat):
        char = flat[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and char in ",;":
            names.append(flat[start:i])
            start = i + 1
        elif depth == 0 and flat.startswith(" and ", i):
            names.append(flat[start:i])
            start = i + 5
            i += 4
        i += 1
    names.append(flat[start:])
    out = []
    for name in names:
        name = join_name(_PARENS.sub("", name).strip().removeprefix("and "))
        if name and name.lower().rstrip(".") not in _NOT_NAMES:
            out.append(name)
    return out


_PARENS = re.compile(r"\s*\([^()]*\)")
_NOT_NAMES = frozenset({"et al", "others", "and"})  # "The BABAR Collaboration, B. Aubert, et al"


_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def inverted_name(value: str) -> str:
    """A Dublin Core creator, "Last, First", as "First Last" (the order every other source
    uses, so the names merge): ``"Heath, Jr., Robert W."`` -> ``"Robert W. Heath Jr."``.
    A shape we do not recognise is kept as given (whitespace collapsed)."""
    parts = [part for part in (p.strip() for p in value.split(",")) if part]
    if len(parts) == 2:
        return join_name(parts[1], parts[0])
    if len(parts) == 3 and parts[1].lower() in _NAME_SUFFIXES:
        return join_name(parts[2], parts[0], parts[1])
    if len(parts) == 3 and parts[2].lower() in _NAME_SUFFIXES:
        return join_name(parts[1], parts[0], parts[2])
    return join_name(" ".join(parts) if len(parts) == 1 else value)


def join_name(*parts: str | None) -> str:
    """Join name parts that are present: ``join_name("R.", "W.", "IV")`` -> ``"R. W. IV"``.

    A "name" without a letter or digit is dropped (returns ""): some records carry a lone ":"
    between a collaboration and its members. Accents arXiv spells in TeX are decoded
    (``P\\'eron`` is ``Péron``), so the name shows, links and merges as other sources spell it."""
    name = " ".join([word for part in parts if part for word in part.split()])
    if "\\" in name or "{" in name:
        name = tex_to_text(name)
    return name if _LETTER_OR_DIGIT.search(name) else ""
