"""What a visitor may subscribe with: an address, a thing to follow, a schedule (pure rules,
each failure an AccountError naming the field)."""

from __future__ import annotations

import re
import unicodedata

from paperwire import accounts
from paperwire.digest.model import FREQUENCIES, KINDS
from paperwire.digest.periods import valid_zone
from paperwire.errors import AccountError, InvalidQueryError
from paperwire.search.query import parse_query

MAX_TOP_N = 50
MAX_VALUE = 300
# The part before the @ in RFC 5322's dot-atom form, ASCII only: anything else (quotes,
# angle brackets, commas, non-ASCII needing SMTPUTF8) is refused rather than quoted, so an
# address can never be more than one recipient or break a header.
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_CATEGORY_RE = re.compile(r"^[A-Za-z][A-Za-z-]{0,20}(?:\.[A-Za-z][A-Za-z-]{0,20})?$")
_SLUG_RE = re.compile(r"^[a-z0-9-]{1,80}$")


def check_address(raw: str) -> tuple[str, str]:
    """(address to mail, key for uniqueness). Uses the account rules (length, one @, no
    control characters: no CR/LF header injection, IDN domains to punycode), then asks for a
    plain ASCII local part."""
    if len(raw.strip()) > 254:
        raise AccountError("e-mail: that address is too long (at most 254 characters)")
    email = accounts.check_email(raw)
    local, _, _domain = email.rpartition("@")
    if len(local) > 64 or not _LOCAL_RE.match(local):
        raise AccountError(
            "e-mail: use an address made of letters, digits and . _ + - before the @"
        )
    return email, email.lower()


def _clean(text: str, what: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise AccountError(f"{what}: control characters are not allowed")
    cleaned = " ".join(text.split())
    if not cleaned:
        raise AccountError(f"{what}: write something to follow")
    if len(cleaned) > MAX_VALUE:
        raise AccountError(f"{what}: at most {MAX_VALUE} characters")
    return cleaned


def check_follow(kind: str, value: str) -> str:
    """The normalised value of what to follow; AccountError saying what is wrong."""
    if kind not in KINDS:
        raise AccountError(f"follow: choose one of {', '.join(KINDS)}")
    if kind in ("trending", "for_you"):
        return ""
    if kind == "topic":
        query = _clean(value, "topic")
        try:
            parsed = parse_query(query)
        except InvalidQueryError as exc:
            raise AccountError(f"topic: {exc}") from exc
        if parsed.is_empty:
            raise AccountError("topic: give some words to look for, e.g. retrieval augmented")
        return query
    if kind == "author":
        name = _clean(value, "author")
        if len(name) < 2:
            raise AccountError("author: give at least a surname")
        return name
    if kind == "category":
        code = _clean(value, "category").removeprefix("cat:")
        if not _CATEGORY_RE.match(code):
            raise AccountError("category: an arXiv category such as cs.CL or math.AP")
        return code
    owner, _, slug = _clean(value, "collection").strip("/").partition("/")
    if not accounts.USERNAME_RE.match(owner) or not _SLUG_RE.match(slug):
        raise AccountError("collection: give it as owner/slug, as in its address /u/owner/c/slug")
    return f"{owner}/{slug}"


def check_schedule(frequency: str, timezone: str, send_hour: int, top_n: int) -> None:
    if frequency not in FREQUENCIES:
        raise AccountError("frequency: daily or weekly")
    if not valid_zone(timezone):
        raise AccountError("time zone: choose one from the list, such as Europe/Paris or UTC")
    if not 0 <= send_hour <= 23:
        raise AccountError("send hour: 0 to 23")
    if not 1 <= top_n <= MAX_TOP_N:
        raise AccountError(f"papers per digest: 1 to {MAX_TOP_N}")
