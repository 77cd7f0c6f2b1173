"""RSS and Atom feeds. Being written; see routes.py."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
