"""Fixtures for the parser tests: the shared real data, and small readers over read_path."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from paperwire.models import Item, Paper, Problem
from paperwire.sources import read_path

ItemsOf = Callable[..., list[Item]]


def shared_data_dir() -> Path:
    override = os.environ.get("PAPERWIRE_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` next to the checkout (or $PAPERWIRE_SHARED_DATA); CI has it."""
    path = shared_data_dir().resolve()
    if not path.is_dir():
        pytest.skip(f"shared test data not found at {path}; set PAPERWIRE_SHARED_DATA")
    return path


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
