"""Which format a file is in, from its first bytes (decompressed) and, to break ties, its name."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from paperwire.sources.common import json_loads

# How much read_path sniffs: enough for the first line of any real JSON-lines file (the corpus
# has lines up to 56 KB, whose distinctive keys come after the author list).
HEAD_SIZE = 64 * 1024

_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(feed|OAI-PMH)[\s>/]")
# A key in (possibly cut-off) JSON text; used when the first line is longer than the head.
_JSON_KEY = re.compile(rb'(?<!\\)"([A-Za-z_][\w\-]*)"\s*:')
# Keys only Paper.to_dict() writes (the corpus says hf_upvotes, the snapshot update_date).
_EXPORT_KEYS = frozenset({"title_raw", "abstract_raw", "upvotes", "submitted_on", "deleted"})
_CORPUS_KEYS = frozenset({"first_seen", "hf_upvotes", "sources"})
_SNAPSHOT_KEYS = frozenset({"update_date", "authors_parsed"})
# Plain text is only taken for a page copy when the name does not say it is something else.
_TEXT_SUFFIXES = frozenset({"", ".txt", ".text"})
_COMPRESSION_SUFFIXES = (".gz", ".xz", ".bz2")


def detect_format(head: bytes, name: str = "") -> str | None:
    """The FORMATS key for content starting with ``head`` (decompressed), or None."""
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        return None
    if body.startswith(b"<"):
        match = _XML_ROOT.search(body)
        if match is None:
            return None
        return "arxiv-atom" if match.group(1) == b"feed" else "oai-pmh"
    if body.startswith(b"["):
        # Only day files are JSON arrays (the quirk days hold 'paper' in single quotes).
        return "hf-daily" if b"paper" in body or body.rstrip() == b"[]" else None
    if body.startswith(b"{"):
        return _json_object(body)
    return "hf-page" if _is_text(body) and _text_name(name) else None


def _json_object(body: bytes) -> str | None:
    keys = _keys(body)
    if {"status_code", "body"} <= keys:
        return "arxiv-atom"  # a recorded API response wrapping an Atom body
    if "paper" in keys or ("data" in keys and b"paper" in body):
        return "hf-daily"
    if "versions" in keys and keys & _SNAPSHOT_KEYS:
        return "arxiv-snapshot"
    if "versions" in keys and keys & _EXPORT_KEYS:
        return "paperwire"
    if "id" in keys and keys & _CORPUS_KEYS:
        return "corpus"
    return None


def _keys(body: bytes) -> set[str]:
    """Top-level keys of the first line when it parses; else every key-looking string."""
    first = body.split(b"\n", 1)[0]
    try:
        value = json_loads(first)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return set(value)
    return {key.decode("ascii") for key in _JSON_KEY.findall(body)}


def _is_text(body: bytes) -> bool:
    if b"\x00" in body:
        return False
    decoded = body.decode("utf-8", errors="replace")
    # Allow a character cut in half at the end of the head, and the odd damaged byte.
    bad = decoded.count("\ufffd") + sum(1 for c in decoded if c < " " and c not in "\t\n\r\f")
    return bad <= max(2, len(decoded) // 100)


def _text_name(name: str) -> bool:
    base = PurePosixPath(name.rsplit(":", 1)[-1]).name.lower()
    for suffix in _COMPRESSION_SUFFIXES:
        base = base.removesuffix(suffix)
    return PurePosixPath(base).suffix in _TEXT_SUFFIXES
