"""Fixtures for the parser tests: the shared real data, and small readers over read_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from paperwire.models import Item, Paper, Problem
from paperwire.sources import read_path

ItemsOf = Callable[..., list[Item]]


@pytest.fixture
def items_of() -> ItemsOf:
    """``items_of(path, fmt=None)``: every item read_path yields for ``path``."""

    def items_of(path: Path, fmt: str | None = None) -> list[Item]:
        return [item for _, item in read_path(path, fmt)]

    return items_of


@pytest.fixture
def papers_of(items_of: ItemsOf) -> Callable[..., list[Paper]]:
    """``papers_of(path, fmt=None)``: the Papers, after checking there was no Problem."""

    def papers_of(path: Path, fmt: str | None = None) -> list[Paper]:
        items = items_of(path, fmt)
        assert [i for i in items if isinstance(i, Problem)] == []
        return [i for i in items if isinstance(i, Paper)]

    return papers_of
