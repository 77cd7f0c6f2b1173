"""arXiv identifiers: one canonical spelling, the id without its version.

arXiv has two id styles: new (``YYMM.NNNN`` since 2007, ``YYMM.NNNNN`` since 2015) and old
(``archive[.SUBJ]/YYMMNNN``, e.g. ``hep-th/9901001``, ``math.AP/0501001``). Sources spell them in
many ways: ``arXiv:2307.13854v2``, ``http://arxiv.org/abs/2307.13854v2``,
``oai:arXiv.org:2307.13854``, ``https://arxiv.org/pdf/2307.13854v1.pdf``.
"""

from __future__ import annotations

import hashlib
import re

from paperwire.errors import InvalidIdError

_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})"
_VERSION = r"(?:v(?P<version>\d+))?"
_ID_RE = re.compile(rf"^(?:{_NEW}|{_OLD}){_VERSION}$")
_PREFIXES = re.compile(
    r"^(?:oai:arxiv\.org:|arxiv:|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)",
    re.IGNORECASE,
)
DERIVED_PREFIX = "x-"
# The longest id the store keeps (papers.id is String(64)): an arXiv id is far shorter, and a
# longer one is damage or abuse.
MAX_ID = 64
# What a derived id may look like: ours are ``x-`` + 12 hex digits; an export written elsewhere
# may use other slugs, but only URL-safe ones, so an id can never carry a path, a query or a
# control character into a link (``x-/../../logout?``).
_DERIVED_RE = re.compile(rf"^{DERIVED_PREFIX}[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def split_version(raw: str) -> tuple[str, int | None]:
    """Return ``(canonical id, version or None)`` for any known spelling; raise InvalidIdError."""
    text = raw.strip()
    text = _PREFIXES.sub("", text)
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    text = text.rstrip("/")
    match = _ID_RE.match(text)
    if not match:
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        raise InvalidIdError(f"not an arXiv id: {shown!r}")
    canonical = match.group("new") or match.group("old")
    if len(canonical) > MAX_ID:  # an old-style archive name has no fixed length
        raise InvalidIdError(f"arXiv id longer than {MAX_ID} characters: {raw!r:.60}")
    version = match.group("version")
    new_id = match.group("new")
    if new_id is not None:
        month = int(new_id[2:4])
        if not 1 <= month <= 12:
            raise InvalidIdError(f"not an arXiv id (month {month:02d} out of range): {raw!r}")
    return canonical, int(version) if version else None


def normalize_id(raw: str) -> str:
    """The canonical id (no version) for any known spelling; raise InvalidIdError."""
    return split_version(raw)[0]


def is_arxiv_id(text: str) -> bool:
    try:
        split_version(text)
    except InvalidIdError:
        return False
    return True


def derived_id(title: str) -> str:
    """A stable id for a paper a source names without an arXiv id (e.g. a copied web page).

    Derived from the normalised title, so the same title always gets the same id, and prefixed
    so it can never collide with a real arXiv id.
    """
    key = " ".join(title.lower().split())
    return DERIVED_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:12]


def is_derived(paper_id: str) -> bool:
    """Whether an id is meant as derived (``x-...``); ``check_derived`` says if it is valid."""
    return paper_id.startswith(DERIVED_PREFIX)


def check_derived(raw: str) -> str:
    """``raw`` when it is a well-formed derived id; raise InvalidIdError otherwise."""
    if len(raw) > MAX_ID:
        raise InvalidIdError(f"derived id longer than {MAX_ID} characters ({len(raw):,})")
    if not _DERIVED_RE.match(raw):
        raise InvalidIdError(
            f"not a derived id (x- then lowercase letters, digits and hyphens): {raw!r:.70}"
        )
    return raw


def paper_key(raw: str) -> str:
    """The id a paper is stored under, for any spelling of an arXiv id or a derived id;
    raise InvalidIdError for anything else."""
    text = raw.strip()
    return check_derived(text) if is_derived(text) else normalize_id(text)
