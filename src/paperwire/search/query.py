"""The search query language (pure): words, "exact phrases" and filters.

    retrieval augmented "large language models" author:lewis cat:cs.CL since:2024-01 until:2025

- words and ``"phrases"`` are matched lexically and, together, embedded for semantic search;
- ``author:NAME`` / ``author:"First Last"`` keeps papers with a matching author (repeatable: all
  must match);
- ``cat:CODE`` keeps papers in that arXiv category (repeatable: any may match);
- ``since:DATE`` / ``until:DATE`` bound the first-seen date (``YYYY``, ``YYYY-MM`` or
  ``YYYY-MM-DD``; ``until`` includes its whole period).

Queries are user input: nothing here raises for odd text. Unbalanced quotes are closed at the
end, control characters dropped, over-long queries cut, and a filter without a value is ignored
with a warning. Only an invalid date is an error (``InvalidQueryError``), since silently
ignoring it would show results the user excluded.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from paperwire.errors import InvalidQueryError

MAX_QUERY_CHARS = 1000
MAX_TERMS = 64
FILTERS = ("author", "cat", "since", "until")

_TOKEN_RE = re.compile(
    r'(?P<key>\w+):(?:"(?P<qval>[^"]*)"?|(?P<val>\S*))|"(?P<phrase>[^"]*)"?|(?P<word>\S+)'
)
_WORD_RE = re.compile(r"\w+(?:[.\-']\w+)*")


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The free text (words and phrases) in order of appearance, for embedding."""
        return " ".join(self.terms + self.phrases)

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases)

    @property
    def has_filters(self) -> bool:
        return bool(self.authors or self.categories or self.since or self.until)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.has_filters)

    def unparse(self) -> str:
        """The query written back in the query language (``parse_query`` reads it back as
        the same query)."""
        parts = [*self.terms, *(f'"{p}"' for p in self.phrases)]
        parts += [f'author:"{a}"' for a in self.authors]
        parts += [f"cat:{c}" for c in self.categories]
        if self.since:
            parts.append(f"since:{self.since.isoformat()}")
        if self.until:
            parts.append(f"until:{self.until.isoformat()}")
        return " ".join(parts)


def _clean(raw: str) -> tuple[str, list[str]]:
    warnings = []
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in raw
    )
    text = unicodedata.normalize("NFKC", text)
    if len(text) > MAX_QUERY_CHARS:
        warnings.append(f"query cut to its first {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    return text, warnings


def words(text: str) -> list[str]:
    """Lower-cased word tokens: letters and digits (any script), keeping inner dots and hyphens
    (``cs.CL``, ``state-of-the-art``) together; punctuation and query syntax are dropped."""
    return [w.lower() for w in _WORD_RE.findall(text)]


def parse_date(value: str, *, end: bool, key: str) -> date:
    parts = value.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            year = int(parts[0])
            return date(year, 12, 31) if end else date(year, 1, 1)
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last if end else 1)
        if len(parts) == 3:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except (ValueError, calendar.IllegalMonthError):
        pass
    raise InvalidQueryError(
        f"{key}:{value} is not a date; write {key}:YYYY-MM-DD, {key}:YYYY-MM or {key}:YYYY"
    )


def parse_query(raw: str) -> ParsedQuery:
    text, warnings = _clean(raw)
    query = ParsedQuery(warnings=warnings)
    for match in _TOKEN_RE.finditer(text):
        key = match.group("key")
        if key is not None and key.lower() in FILTERS:
            key = key.lower()
            value = match.group("qval") if match.group("qval") is not None else match.group("val")
            value = " ".join(value.split())
            if not value:
                query.warnings.append(f"{key}: needs a value, e.g. {_EXAMPLES[key]}; ignored")
            elif key == "author":
                query.authors.append(value)
            elif key == "cat":
                query.categories.append(value)
            elif key == "since":
                query.since = parse_date(value, end=False, key=key)
            else:
                query.until = parse_date(value, end=True, key=key)
        elif match.group("phrase") is not None:
            phrase_words = words(match.group("phrase"))
            if len(phrase_words) > 1:
                query.phrases.append(" ".join(phrase_words))
            else:
                query.terms.extend(phrase_words)
        else:
            query.terms.extend(words(match.group(0)))
    if query.since and query.until and query.since > query.until:
        raise InvalidQueryError(
            f"since:{query.since} is after until:{query.until}; no paper can match"
        )
    if len(query.terms) > MAX_TERMS:
        query.warnings.append(f"only the first {MAX_TERMS} words are used")
        query.terms = query.terms[:MAX_TERMS]
    return query


_EXAMPLES = {
    "author": 'author:"Yann LeCun"',
    "cat": "cat:cs.CL",
    "since": "since:2025-01-01",
    "until": "until:2025-12-31",
}
