"""The ``Route`` record of the routes table, in a module of its own so that the tables in
``api.py`` and ``syndication.py`` can build routes without importing ``routes.py`` (which
imports them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    path: str
    endpoint: Callable[..., Any]
    methods: tuple[str, ...] = ("GET",)
    name: str | None = None
    api: bool = False  # listed in the OpenAPI document
