"""The newcomer check's own rules (scripts/newcomer_check.py): what counts as one kind of
page, which links are the same link, and which name another port. The check itself runs
`make run` and is run by CI (`make newcomer`), not by this suite."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "newcomer_check.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("newcomer_check", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["newcomer_check"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_pages_of_one_route_are_one_kind(check: ModuleType) -> None:
    assert check.kind_of("/papers/2401.00001") == check.kind_of("/papers/hep-th/9901001")
    assert check.kind_of("/papers/2401.00001") == "/papers/*"
    assert check.kind_of("/papers/trending") == "/papers/trending"
    assert check.kind_of("/papers/date/2026-03-02") == "/papers/date/*"
    assert check.kind_of("/authors/Yann LeCun") == "/authors/*"
    assert check.kind_of("/feeds/author/Yann.xml") == "/feeds/author/*"
    assert check.kind_of("/") == "/"


def test_links_differing_only_in_fragment_or_next_are_one(check: ModuleType) -> None:
    assert check.normalise("/login?next=%2Fpapers%2Fx") == check.normalise("/login?next=/")
    assert check.normalise("/papers/1#comments") == "/papers/1"
    assert check.normalise("/search?q=a&p=2") != check.normalise("/search?q=a&p=3")


def test_a_link_to_another_local_port_is_reported_once_per_page(check: ModuleType) -> None:
    report = check.Report()
    for url in ("http://127.0.0.1:8000/a", "http://localhost:8000/b", "http://127.0.0.1:9/c"):
        check.check_port(url, "/page", 9, report)
    check.check_port("https://arxiv.org/abs/1", "/page", 9, report)  # another site: fine
    check.check_port("/relative", "/page", 9, report)
    assert report.wrong_ports == {("/page", 8000): (2, "http://127.0.0.1:8000/a")}
