"""Papers in and out of the store: init, import, demo, show, stats, export."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from paperwire.cli import output
from paperwire.cli.options import EnumChoice, build_service, config_option, json_option

if TYPE_CHECKING:
    from paperwire.ingest import ImportReport
    from paperwire.service import Service


class Format(enum.StrEnum):
    """The import formats (``paperwire.sources.FORMATS``; a test keeps the two equal)."""

    HF_PAGE = "hf-page"
    ARXIV_ATOM = "arxiv-atom"
    OAI_PMH = "oai-pmh"
    ARXIV_SNAPSHOT = "arxiv-snapshot"
    HF_DAILY = "hf-daily"
    CORPUS = "corpus"
    PAPERWIRE = "paperwire"


@click.command()
@config_option
def init(config: Path | None) -> None:
    """Create the data directory and the store (or upgrade its schema)."""
    service = build_service(config, migrate=True)
    click.echo(f"store ready: {service.store.display_url}")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "-f",
    "fmt",
    type=EnumChoice(Format, "format"),
    help="Force a format instead of detecting it.",
)
@json_option("Print the summary as JSON.")
@click.option("--no-index", is_flag=True, help="Skip updating the search index afterwards.")
@config_option
def import_(
    paths: tuple[Path, ...],
    fmt: Format | None,
    as_json: bool,
    no_index: bool,
    config: Path | None,
) -> None:
    """Import papers from any supported file (PATHS: files, folders or archives); prints what
    was new, updated and skipped, then brings the search index up to date."""
    service = build_service(config)
    report = output.progress(
        "importing",
        None,
        lambda tick: service.papers.import_files(
            paths, fmt=None if fmt is None else fmt.value, progress=tick
        ),
        unit="records",
    )
    if not no_index and (report.new or report.updated or report.deleted):
        _index(service)
    _print_report(report, as_json)
    if report.read == 0 and report.problem_count > 0:
        sys.exit(1)


@click.command()
@config_option
def demo(config: Path | None) -> None:
    """Import the bundled demo corpus (idempotent)."""
    service = build_service(config)
    report = output.progress(
        "importing", None, lambda tick: service.papers.import_demo(progress=tick), unit="records"
    )
    _index(service)
    _print_report(report, False)


def _index(service: Service) -> None:
    output.progress(
        "indexing", service.search.index_pending(), lambda t: service.search.index(progress=t)
    )


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    click.echo(
        f"read {report.read:,}  new {report.new:,}  updated {report.updated:,}  "
        f"unchanged {report.unchanged:,}  deleted {report.deleted:,}  skipped {report.skipped:,}"
    )
    if report.matched_by_title or report.derived_ids:
        click.echo(
            f"papers without an arXiv id: {report.matched_by_title:,} matched to known papers by "
            f"title, {report.derived_ids:,} kept under a derived id (x-...)"
        )
    if report.problem_count:
        click.echo("skipped records:", err=True)
        for _, problem in report.problems[:20]:
            click.echo(f"  {problem}", err=True)
        if report.problem_count > 20:
            click.echo(f"  ... and {report.problem_count - 20:,} more; by reason:", err=True)
            for reason, count in report.reasons.most_common(10):
                click.echo(f"    {count:>8,}  {reason}", err=True)


@click.command()
@click.argument("paper_id", metavar="ID")
@json_option("Print the paper as JSON.")
@config_option
def show(paper_id: str, as_json: bool, config: Path | None) -> None:
    """Show one paper (ID: an arXiv id in any spelling)."""
    paper = build_service(config, check=False).papers.get(paper_id)
    if as_json:
        click.echo(json.dumps(paper.to_dict(), indent=2, ensure_ascii=False))
        return
    lines = [paper.title, ", ".join(paper.authors)]
    facts = [f"id {paper.id}"]
    if paper.latest_version:
        facts.append(f"v{paper.latest_version}")
    if paper.categories:
        facts.append(" ".join(paper.categories))
    if paper.published:
        facts.append(f"published {paper.published.date().isoformat()}")
    if paper.first_seen:
        facts.append(f"first seen {paper.first_seen.isoformat()}")
    if paper.upvotes is not None:
        facts.append(f"{paper.upvotes} upvotes")
    lines.append(" · ".join(facts))
    for label, value in (
        ("comment", paper.comment),
        ("journal", paper.journal_ref),
        ("doi", paper.doi),
        ("code", paper.github_repo),
        ("abs", paper.abs_url),
        ("pdf", paper.pdf_url),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines.append("")
    # The abstract keeps its paragraphs; every other line is one line.
    click.echo(
        "\n".join([*map(output.clean, lines), *map(output.clean, paper.abstract.split("\n"))])
    )


@click.command()
@json_option()
@config_option
def stats(as_json: bool, config: Path | None) -> None:
    """Counts of what the store holds."""
    service = build_service(config)
    data = service.papers.stats()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"store: {service.store.display_url}")
    click.echo(f"papers: {data['papers']:,} ({data['with_upvotes']:,} with upvotes)")
    if data["deleted"]:
        click.echo(f"deleted: {data['deleted']:,}")
    click.echo(f"first seen: {data['first_seen_min']} .. {data['first_seen_max']}")
    cats = ", ".join(f"{c} {n:,}" for c, n in data["top_categories"])
    click.echo(f"top categories: {cats or '-'}")
    click.echo(f"change sequence: {data['change_seq']:,}")


@click.command()
@click.option(
    "--output",
    "-o",
    "out_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: stdout).",
)
@click.option(
    "--user",
    "username",
    metavar="USERNAME",
    help="Instead: one user's own data (account, collections, liked papers, For you signals) "
    "as one JSON object.",
)
@config_option
def export(out_path: Path | None, username: str | None, config: Path | None) -> None:
    """Write every paper as JSON lines (re-import with `paperwire import`), or with --user one
    person's own data."""
    service = build_service(config)
    if username is not None:
        text = json.dumps(service.accounts.export(username), ensure_ascii=False, indent=2)
        if out_path is None:
            click.echo(text)
        else:
            out_path.write_text(text + "\n", encoding="utf-8")
        click.echo(f"exported the data of {username}", err=True)
        return
    if out_path is None:
        count = service.papers.export(sys.stdout)
    else:
        with out_path.open("w", encoding="utf-8") as out:
            count = service.papers.export(out)
    click.echo(f"exported {count:,} papers", err=True)


COMMANDS = (init, import_, demo, show, stats, export)
