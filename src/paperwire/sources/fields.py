"""Reading one field of a source record: type checks, ids, dates, numbers, lists.

Each converter returns the value in our model's terms or raises ``RecordError`` naming the
field, which ``common.guarded`` turns into that record's Problem.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, date, datetime
from functools import lru_cache

from paperwire.errors import InvalidIdError
from paperwire.ids import split_version
from paperwire.sources.common import RecordError


def arxiv_id(value: object, field: str = "id") -> tuple[str, int | None]:
    """Canonical id and version from any spelling; RecordError when missing or invalid."""
    if value is None or value == "":
        raise RecordError("missing id", field)
    if not isinstance(value, str):
        raise RecordError(f"id is not a string: {value!r:.60}", field)
    try:
        return split_version(value)
    except InvalidIdError as exc:
        raise RecordError(str(exc), field) from None


def text(value: object, field: str) -> str | None:
    """An optional short text field, whitespace collapsed (arXiv wraps comments and journal refs
    at 80 columns); ``None`` when absent or blank."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{field} is not a string", field)
    return " ".join(value.split()) or None


def required_text(value: object, field: str) -> str:
    """A text field the record is useless without (the title); kept raw for ``set_text``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError(f"missing {field}", field)
    if not isinstance(value, str):
        raise RecordError(f"{field} is not a string", field)
    return value


def raw_text(value: object, field: str) -> str:
    """Optional long text (an abstract), unstripped so ``set_text`` can keep its line breaks."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{field} is not a string", field)
    return value


def integer(value: object, field: str) -> int | None:
    if value is None:
        return None
    # bool is an int subclass; a JSON true is not a count.
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordError(f"{field} is not an integer: {value!r:.60}", field)
    return value


def string_list(value: object, field: str) -> list[str]:
    """A JSON list of strings (blank entries dropped)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{field} is not a list", field)
    out = []
    for entry in value:
        if not isinstance(entry, str):
            raise RecordError(f"{field} holds a non-string entry: {entry!r:.60}", field)
        entry = entry.strip()
        if entry:
            out.append(entry)
    return out


def iso_datetime(value: object, field: str) -> datetime | None:
    """ISO 8601 date or datetime (``Z`` or offset) as aware UTC; a bare date is midnight UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{field} is not a string", field)
    try:
        return _parse_iso(value)
    except ValueError:
        raise RecordError(f"{field} is not an ISO date: {value!r:.60}", field) from None


def iso_date(value: object, field: str) -> date | None:
    """The UTC calendar date of an ISO date or datetime."""
    moment = iso_datetime(value, field)
    return moment.date() if moment else None


@lru_cache(maxsize=4096)
def _parse_iso(value: str) -> datetime:
    # Cached: bulk files repeat the same few thousand dates (the corpus's 200k lines have ~7k
    # distinct first_seen/published values), and datetimes are immutable, so sharing is safe.
    return as_utc(datetime.fromisoformat(value.strip()))


def rfc2822_datetime(value: object, field: str) -> datetime | None:
    """An e-mail style date (``Mon, 2 Apr 2007 19:18:42 GMT``, arXiv's version dates)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{field} is not a string", field)
    try:
        return as_utc(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        raise RecordError(f"{field} is not an RFC 2822 date: {value!r:.60}", field) from None


def as_utc(moment: datetime) -> datetime:
    # Naive times in these sources are UTC (arXiv and HF both publish UTC).
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def version_number(value: object, field: str = "versions") -> int:
    """``"v3"`` (or ``3``) -> 3."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        digits = value.strip().lower().removeprefix("v")
        if digits.isdigit() and int(digits) > 0:
            return int(digits)
    raise RecordError(f"bad version number: {value!r:.60}", field)


def split_categories(value: str | None) -> list[str]:
    """``"hep-ph hep-ex"`` -> ``["hep-ph", "hep-ex"]``, order kept (primary first), no repeats."""
    if not value:
        return []
    return list(dict.fromkeys(value.split()))


_DOI_SPLIT = re.compile(r"[\s,;]+")


def first_doi(value: str | None) -> str | None:
    """The first DOI: arXiv lets authors list several (``"10.1/a 10.1/b"``, comma or ``;``), but
    a paper links to one; the first is the article itself, later ones are usually errata."""
    if not value:
        return None
    parts = [part for part in _DOI_SPLIT.split(value) if part]
    return parts[0] if parts else None
