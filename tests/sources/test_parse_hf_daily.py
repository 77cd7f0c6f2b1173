"""Hugging Face daily papers: the seven sample days and the whole 580-day archive."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperwire.models import Item, Paper, Problem
from paperwire.sources import read_path
from paperwire.sources.hf_daily import parse_daily

ItemsOf = Callable[..., list[Item]]
PapersOf = Callable[..., list[Paper]]
ARCHIVE = "hf-daily/hf_daily_papers_2024-05-27_to_2026-08-21.tar.xz"
MANIFEST = "hf-daily/hf_daily_papers_2024-05-27_to_2026-08-21.MANIFEST.tsv"

SAMPLE_DAYS = {
    "2024-05-29": (8, "2405.18407"),  # early format
    "2024-12-11": (26, "2412.07730"),  # items stored as Python-repr strings
    "2025-01-10": (9, "2501.05441"),  # list wrapped in {"status", "date", "count", "data"}
    "2025-06-16": (9, "2506.11924"),
    "2025-09-30": (50, "2509.24006"),
    "2026-03-02": (14, "2602.22661"),
    "2026-08-21": (17, "2608.19880"),
}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize("day", sorted(SAMPLE_DAYS))
def test_sample_days(shared_data: Path, papers_of: PapersOf, day: str) -> None:
    count, first_id = SAMPLE_DAYS[day]
    papers = papers_of(shared_data / "hf-daily/sample_days" / f"{day}.json")
    assert len(papers) == count
    assert papers[0].id == first_id
    assert all(p.sources == ["hf-daily"] and p.title and p.abstract for p in papers)
    assert all(p.upvotes is not None and p.published is not None for p in papers)
    assert all(p.first_seen is not None for p in papers)


def test_early_format(shared_data: Path, papers_of: PapersOf) -> None:
    paper = papers_of(shared_data / "hf-daily/sample_days/2024-05-29.json")[0]
    assert paper.title == "Phased Consistency Model"
    assert paper.authors[:4] == [
        "Fu-Yun Wang",
        "Zhaoyang Huang",
        "Alexander William Bergman",  # the paper's author name, not the HF account's
        "Dazhong Shen",
    ]
    assert paper.published == datetime(2024, 5, 28, 17, 47, 19, tzinfo=UTC)
    assert paper.upvotes == 18
    # No submittedOnDailyAt in this era: the item's publishedAt is the day it was listed.
    assert paper.first_seen == paper.submitted_on == date(2024, 5, 29)
    assert paper.submitted_by is None
    assert (paper.github_repo, paper.ai_summary, paper.ai_keywords) == (None, None, [])
    assert paper.abstract_raw is not None and "progress in\naccelerating" in paper.abstract_raw


def test_repr_quirk_day(shared_data: Path, papers_of: PapersOf) -> None:
    paper = papers_of(shared_data / "hf-daily/sample_days/2024-12-11.json")[0]
    assert paper.id == "2412.07730"
    assert paper.title == "STIV: Scalable Text and Image Conditioned Video Generation"
    assert len(paper.authors) == 17
    assert paper.authors[:3] == ["Zongyu Lin", "Wei Liu", "Chen Chen"]
    assert paper.upvotes == 54
    assert paper.submitted_by == "yyf86"
    assert paper.first_seen == date(2024, 12, 11)
    assert paper.published == utc(2024, 12, 10, 18, 27, 6)


def test_wrapper_quirk_day(shared_data: Path, papers_of: PapersOf) -> None:
    paper = papers_of(shared_data / "hf-daily/sample_days/2025-01-10.json")[0]
    assert paper.id == "2501.05441"
    assert paper.title == "The GAN is dead; long live the GAN! A Modern GAN Baseline"
    assert paper.authors == ["Yiwen Huang", "Aaron Gokaslan", "Volodymyr Kuleshov", "James Tompkin"]
    assert (paper.upvotes, paper.submitted_by) == (51, "Skylion007")


def test_recent_day_has_community_fields(shared_data: Path, papers_of: PapersOf) -> None:
    paper = papers_of(shared_data / "hf-daily/sample_days/2026-08-21.json")[0]
    assert paper.id == "2608.19880"
    assert paper.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert paper.upvotes == 163
    assert paper.submitted_by == "taesiri"
    assert paper.submitted_on == paper.first_seen == date(2026, 8, 21)
    assert paper.published == utc(2026, 8, 20)
    assert paper.github_repo == "https://github.com/google-research/envharness"
    assert paper.github_stars == 8
    assert paper.project_page == "https://envharness.com/"
    assert paper.ai_summary is not None and paper.ai_summary.startswith("EnvHarness and EnvRigger")
    assert paper.ai_keywords[:3] == ["LLM agents", "Environment Harness", "EnvHarness"]
    dllm = papers_of(shared_data / "hf-daily/sample_days/2026-03-02.json")[0]
    assert (dllm.github_repo, dllm.github_stars) == ("https://github.com/ZHZisZZ/dllm", 1830)


def test_title_keeps_line_breaks(shared_data: Path, papers_of: PapersOf) -> None:
    paper = papers_of(shared_data / "hf-daily/sample_days/2025-09-30.json")[0]
    assert paper.title_raw == (
        "SLA: Beyond Sparsity in Diffusion Transformers via Fine-Tunable\n  Sparse-Linear Attention"
    )
    assert paper.title == (
        "SLA: Beyond Sparsity in Diffusion Transformers via Fine-Tunable Sparse-Linear Attention"
    )


@pytest.fixture(scope="module")
def archive(shared_data: Path) -> list[tuple[str, Item]]:
    """The whole archive, streamed once for the tests below (about 2 s)."""
    return list(read_path(shared_data / ARCHIVE))


def test_whole_archive_matches_manifest(shared_data: Path, archive: list[tuple[str, Item]]) -> None:
    manifest = {}
    for line in (shared_data / MANIFEST).read_text(encoding="utf-8").splitlines()[1:]:
        member, _sha, _size, records = line.split("\t")
        manifest[member] = int(records)
    per_member: Counter[str] = Counter()
    ids: Counter[str] = Counter()
    problems = []
    for name, item in archive:
        archive_name, _, member = name.partition(":")
        assert archive_name == Path(ARCHIVE).name
        per_member[member] += 1
        if isinstance(item, Paper):
            ids[item.id] += 1
        else:
            problems.append(item)
    assert problems == []
    assert len(per_member) == 580
    assert dict(per_member) == manifest
    assert sum(per_member.values()) == 9881
    assert len(ids) == 9877
    # The same paper on two days is yielded twice; merging is the store's job.
    assert sorted(i for i, n in ids.items() if n > 1) == [
        "2604.07429",
        "2606.11176",
        "2608.12313",
        "2608.13558",
    ]


def test_quirk_days_in_archive(archive: list[tuple[str, Item]]) -> None:
    repr_days: Counter[str] = Counter()
    for name, item in archive:
        day = name.rsplit("/", 1)[-1].removesuffix(".json")
        if "2024-12-11" <= day <= "2025-01-10":
            assert isinstance(item, Paper), item
            repr_days[day] += 1
    assert len(repr_days) == 22  # 21 repr days and the wrapped day (its items are repr too)
    assert sum(repr_days.values()) == 300


def test_parse_daily_on_a_response_body(shared_data: Path) -> None:
    body = (shared_data / "hf-daily/sample_days/2025-06-16.json").read_bytes()
    items = parse_daily(body, "api")
    assert [type(i) for i in items] == [Paper] * 9
    # /api/papers/{id} answers with the paper object itself.
    paper_only = json.dumps(json.loads(body)[0]["paper"]).encode()
    [paper] = parse_daily(paper_only, "api")
    assert isinstance(paper, Paper)
    assert paper.id == "2506.11924"
    assert parse_daily(b"[]", "api") == []
    assert parse_daily(b'{"error": "Invalid date"}', "api") == [
        Problem("api", "expected a list of daily papers")
    ]
