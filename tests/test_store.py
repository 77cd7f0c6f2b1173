"""The store, on SQLite and on the real PostgreSQL server (every test runs on both)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperwire.errors import StorageError
from paperwire.ingest import import_items
from paperwire.models import Deleted, Paper, Version
from paperwire.store import Store

TODAY = date(2026, 11, 27)


def arxiv_paper(paper_id: str = "2307.13854", version: int = 1, **fields: object) -> Paper:
    created = datetime(2023, 7, 24 + version, 12, 0, tzinfo=UTC)
    base = Paper(
        id=paper_id,
        title=f"WebArena v{version}",
        abstract="An environment for agents.",
        authors=["Shuyan Zhou", "Frank F. Xu"],
        categories=["cs.AI", "cs.CL"],
        versions=[Version(version, created)],
        published=datetime(2023, 7, 25, 12, 0, tzinfo=UTC) if version == 1 else None,
        updated=created,
        sources=["arxiv-oai"],
    )
    for key, value in fields.items():
        setattr(base, key, value)
    return base


def hf_paper(paper_id: str = "2307.13854", upvotes: int = 5) -> Paper:
    return Paper(
        id=paper_id,
        title="WebArena (HF title)",
        abstract="HF abstract",
        upvotes=upvotes,
        submitted_by="akhaliq",
        submitted_on=date(2023, 7, 26),
        first_seen=date(2023, 7, 26),
        github_repo="https://github.com/web-arena-x/webarena",
        github_stars=700,
        sources=["hf-daily"],
    )


def run(store: Store, *items: Paper | Deleted):  # type: ignore[no-untyped-def]
    return import_items(store, [("test", item) for item in items], batch_size=2, today=TODAY)


def test_round_trip_all_fields(store: Store) -> None:
    paper = arxiv_paper(comment="10 pages", journal_ref="J. X 1", doi="10.1/x", license="CC0")
    paper.title_raw = "WebArena\n  v1"
    paper.ai_keywords = ["agents", "web"]
    run(store, paper)
    got = store.papers.get_paper("2307.13854")
    assert got is not None
    assert got.seq == 1
    got.seq = 0
    expected = arxiv_paper(comment="10 pages", journal_ref="J. X 1", doi="10.1/x", license="CC0")
    expected.title_raw = "WebArena\n  v1"
    expected.ai_keywords = ["agents", "web"]
    expected.first_seen = TODAY
    assert got == expected
    # The SQLAlchemy path and (on SQLite) the stdlib fast path agree.
    assert store.papers.get_papers(["2307.13854"])["2307.13854"] == store.papers.get_paper(
        "2307.13854"
    )


def test_upsert_is_idempotent(store: Store) -> None:
    first = run(store, arxiv_paper(), hf_paper())
    assert (first.new, first.updated, first.unchanged) == (1, 0, 0)  # merged within the batch
    seq = store.papers.stats()["change_seq"]
    again = run(store, arxiv_paper(), hf_paper())
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    assert store.papers.stats()["change_seq"] == seq


def test_newer_version_updates_and_keeps_history(store: Store) -> None:
    run(store, arxiv_paper(version=1))
    report = run(store, arxiv_paper(version=3))
    assert report.updated == 1
    paper = store.papers.get_paper("2307.13854")
    assert paper is not None
    assert paper.title == "WebArena v3"
    assert [v.number for v in paper.versions] == [1, 3]
    assert paper.published == datetime(2023, 7, 25, 12, 0, tzinfo=UTC)
    older = run(store, arxiv_paper(version=2, versions=[Version(2, None)]))
    paper2 = store.papers.get_paper("2307.13854")
    assert paper2 is not None and paper2.title == "WebArena v3"
    # An older version only adds to the history; its metadata changes nothing.
    assert older.updated == 1 and [v.number for v in paper2.versions] == [1, 2, 3]
    assert run(store, arxiv_paper(version=2, versions=[Version(2, None)])).unchanged == 1


def test_sources_merge(store: Store) -> None:
    run(store, arxiv_paper())
    run(store, hf_paper(upvotes=5))
    run(store, hf_paper(upvotes=42))
    paper = store.papers.get_paper("2307.13854")
    assert paper is not None
    assert paper.title == "WebArena v1"  # arXiv metadata is not replaced by the curated title
    assert paper.upvotes == 42 and paper.github_stars == 700
    assert paper.submitted_by == "akhaliq"
    assert paper.first_seen == date(2023, 7, 26)
    assert paper.sources == ["arxiv-oai", "hf-daily"]


def test_change_sequence_is_monotonic(store: Store) -> None:
    run(store, arxiv_paper("2301.00001"), arxiv_paper("2301.00002"), arxiv_paper("2301.00003"))
    run(store, hf_paper("2301.00002"))
    changes = store.papers.changes_since(0)
    assert [p.id for p in changes] == ["2301.00001", "2301.00003", "2301.00002"]
    assert [p.seq for p in changes] == [1, 2, 4] or [p.seq for p in changes] == sorted(
        p.seq for p in changes
    )
    last = changes[-1].seq
    assert store.papers.changes_since(last) == []
    run(store, Deleted("2301.00001"))
    tomb = store.papers.changes_since(last)
    assert [(p.id, p.deleted) for p in tomb] == [("2301.00001", True)]
    assert store.papers.stats()["papers"] == 2 and store.papers.stats()["deleted"] == 1


def test_failed_batch_writes_nothing(store: Store) -> None:
    run(store, arxiv_paper("2301.00001"))
    before = store.papers.stats()

    def explode(existing: dict[str, Paper]) -> list[Paper]:
        raise RuntimeError("decide failed")

    with pytest.raises(RuntimeError):
        store.papers.update_papers(["2301.00001"], explode)
    bad = arxiv_paper("2301.00002")
    bad.abstract = None  # type: ignore[assignment]  # violates NOT NULL mid-batch
    with pytest.raises(StorageError):
        store.papers.update_papers(
            ["2301.00002", "2301.00003"], lambda _: [arxiv_paper("2301.00003"), bad]
        )
    assert store.papers.stats() == before
    assert store.papers.get_paper("2301.00003") is None


def test_export_moves_between_backends(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    from paperwire.service import make_service
    from paperwire.settings import Settings

    run(
        service.store,
        arxiv_paper("2301.00001"),
        hf_paper("2301.00001"),
        arxiv_paper("hep-th/9901001"),
    )
    buffer = io.StringIO()
    assert service.papers.export(buffer) == 2
    path = tmp_path / "export.jsonl"
    path.write_text(buffer.getvalue())
    other = make_service(Settings(data_dir=tmp_path / "other"))
    other.init()
    report = other.papers.import_files([path])
    assert report.new == 2 and report.skipped == 0
    for paper in service.papers.iter_papers():
        moved = other.papers.get(paper.id)
        moved.seq = paper.seq = 0
        assert moved == paper
    other.close()


def test_bad_url_is_a_storage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StorageError, match="invalid database URL"):
        Store("nonsense://x").papers.stats()
    with pytest.raises(StorageError, match="database error"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none").papers.stats()
    with pytest.raises(StorageError, match="paperwire init"):
        Store(f"sqlite:///{tmp_path / 'missing.db'}").papers.get_paper("2301.00001")


def test_the_schema_head_constant_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from paperwire.store.migrations import HEAD

    config = Config()
    config.set_main_option("script_location", "paperwire.store:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_reads_in_a_snapshot_share_one_connection(store: Store) -> None:
    """A page's reads (``Store.snapshot``) take one pooled connection and transaction
    between them, nested snapshots included; a write inside still takes its own."""
    from sqlalchemy import event

    run(store, arxiv_paper())
    now = datetime(2026, 11, 27, tzinfo=UTC)
    user = store.people.create_user("reader", None, "x", is_admin=False, now=now)
    checkouts: list[object] = []

    def record(conn: object, *_: object) -> None:
        checkouts.append(conn)

    event.listen(store.db.engine, "checkout", record)
    try:
        with store.snapshot():
            assert store.papers.get_paper("2307.13854") is not None
            with store.snapshot():
                assert store.community.comments_for("2307.13854") == []
            assert set(store.papers.get_papers(["2307.13854", "2401.00002"])) == {"2307.13854"}
            assert len(checkouts) == 1
            store.community.add_comment(user.id, "2307.13854", "a comment", now)
            assert len(checkouts) == 2
        assert len(store.community.comments_for("2307.13854")) == 1
        assert len(checkouts) == 3
    finally:
        event.remove(store.db.engine, "checkout", record)


def test_a_new_parser_revision_reads_every_line_again(service, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A re-import skips the lines it has read before; after an upgrade whose parsers read a
    line differently (``PARSER_REVISION`` bumped), every line is merged once more: the papers
    that come out different are updated, the others only get the new fingerprint (no new
    change number: nothing to index again), and the next re-import skips them all again."""
    import json

    from paperwire.sources import common, names

    def line(paper_id: str, author: str) -> str:
        record = {"id": paper_id, "title": f"Paper {paper_id}", "abstract": "A.",
                  "authors": [author], "categories": ["cs.CL"], "subjects": None,
                  "comment": None, "published": None, "first_seen": "2024-01-02",
                  "hf_upvotes": None, "sources": ["x"]}  # fmt: skip
        return json.dumps(record) + "\n"

    path = tmp_path / "papers.jsonl"
    path.write_text(line("2401.00001", "Victor P\\'eron") + line("2401.00002", "Ann Smith"))
    # As the revision before TeX accents were decoded read them.
    monkeypatch.setattr(common, "PARSER_REVISION", b"1")
    monkeypatch.setattr(names, "tex_to_text", lambda text: text)
    assert service.papers.import_files([path]).new == 2
    assert service.papers.get("2401.00001").authors == ["Victor P\\'eron"]
    plain_seq = service.papers.get("2401.00002").seq
    assert service.papers.import_files([path]).unchanged == 2  # seen: skipped
    monkeypatch.undo()
    upgraded = service.papers.import_files([path])
    assert (upgraded.new, upgraded.updated, upgraded.unchanged) == (0, 1, 1)
    assert service.papers.get("2401.00001").authors == ["Victor Péron"]
    assert service.papers.get("2401.00002").seq == plain_seq
    again = service.papers.import_files([path])
    assert (again.updated, again.unchanged) == (0, 2)
