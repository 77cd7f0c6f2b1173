"""The JSON API (Hugging Face Papers shapes). Being written; see routes.py."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
