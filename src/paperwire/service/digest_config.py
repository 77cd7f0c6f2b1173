"""Digest settings and the rules for what a visitor may subscribe with (pure).

Settings are read with defaults (``setting``) so this feature works before its fields are in
``Settings``; the names and defaults here are the ones documented in docs/settings.md.
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import parseaddr
from typing import Any

from paperwire import accounts
from paperwire.digest.model import FREQUENCIES, KINDS
from paperwire.digest.periods import valid_zone
from paperwire.digest.smtp import SECURITY, SmtpConfig
from paperwire.errors import AccountError, ConfigError, InvalidQueryError
from paperwire.search.query import parse_query
from paperwire.secret_key import load_secret as load_secret  # the one loader, for digests
from paperwire.settings import Settings

DEFAULTS: dict[str, Any] = {
    "smtp_host": "",
    "smtp_port": 25,
    "smtp_security": "none",
    "smtp_username": "",
    "smtp_password": "",
    "smtp_timeout": 30.0,
    "smtp_rate_per_second": 10.0,
    "mail_from": "paperwire <digest@localhost>",
    "digest_top_n": 10,
    "digest_hour": 7,
    "digest_grace_days": 3,
    "topic_min_similarity": 0.35,
    "digest_retry_seconds": 1.0,
    "digest_max_failures": 3,
    "digest_lock_ttl": 120.0,
    "digest_every_minutes": 5.0,
    "digest_notices_per_hour": 3,
}
MAX_TOP_N = 50
MAX_VALUE = 300
# The part before the @ in RFC 5322's dot-atom form, ASCII only: anything else (quotes,
# angle brackets, commas, non-ASCII needing SMTPUTF8) is refused rather than quoted, so an
# address can never be more than one recipient or break a header.
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_CATEGORY_RE = re.compile(r"^[A-Za-z][A-Za-z-]{0,20}(?:\.[A-Za-z][A-Za-z-]{0,20})?$")
_SLUG_RE = re.compile(r"^[a-z0-9-]{1,80}$")


def setting(settings: Settings, name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def smtp_config(settings: Settings) -> SmtpConfig:
    host = str(setting(settings, "smtp_host"))
    if not host:
        raise ConfigError(
            "smtp_host is not set: digests and confirmation mails cannot be sent "
            "(set PAPERWIRE_SMTP_HOST)"
        )
    security = str(setting(settings, "smtp_security"))
    if security not in SECURITY:
        raise ConfigError(f"smtp_security: use one of {', '.join(SECURITY)}, not {security!r}")
    return SmtpConfig(
        host=host,
        port=int(setting(settings, "smtp_port")),
        security=security,
        username=str(setting(settings, "smtp_username")),
        password=str(setting(settings, "smtp_password")),
        timeout=float(setting(settings, "smtp_timeout")),
        rate_per_second=float(setting(settings, "smtp_rate_per_second")),
    )


def envelope_sender(settings: Settings) -> str:
    address = parseaddr(str(setting(settings, "mail_from")))[1]
    if "@" not in address:
        raise ConfigError("mail_from: needs an address, e.g. paperwire <digest@example.org>")
    return address


# -- what visitors send -------------------------------------------------------------------------
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
    if kind == "trending":
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
