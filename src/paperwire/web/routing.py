"""The ``Route`` record of the routes table, and the one helper that builds paper URLs, in a
module of their own so that ``api.py``, ``syndication.py`` and the templates can use them
without importing ``routes.py`` (which imports them)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

_DOT_SEGMENTS = {".", ".."}


@dataclass(frozen=True)
class Route:
    path: str
    endpoint: Callable[..., Any]
    methods: tuple[str, ...] = ("GET",)
    name: str | None = None
    api: bool = False  # listed in the OpenAPI document
    # The error statuses it answers besides 400 and 503 (web/openapi.py documents them).
    errors: tuple[int, ...] = ()


def paper_url(paper_id: str, suffix: str = "") -> str:
    """The path of a paper's page, or of ``suffix`` below it ("/vote", ".bib", "#comments").

    The id is percent-quoted, so ``?``, ``#`` and spaces stay part of it. Its slash stays a
    slash (old-style ids such as ``hep-th/9901001`` have always had that URL; the
    ``{paper_id:path}`` routes take it), except in an id with a ``.`` or ``..`` segment: a
    browser resolves those away, so there the slash is quoted too (``%2F`` is decoded before
    routing, so the route still sees the whole id)."""
    return f"/papers/{_quoted_id(paper_id)}{suffix}"


# A page links each of its papers five times or more (title, vote, comments, related ...).
@functools.lru_cache(maxsize=16384)
def _quoted_id(paper_id: str) -> str:
    safe = "" if _DOT_SEGMENTS & set(paper_id.split("/")) else "/"
    return quote(paper_id, safe=safe)
