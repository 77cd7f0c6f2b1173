"""`paperwire library ...`: a user's library file in (BibTeX, RIS, CSL-JSON) and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from paperwire.cli import output
from paperwire.cli.options import EnumChoice, build_service, config_option, json_option
from paperwire.sources.library import LibraryFormat

if TYPE_CHECKING:
    from paperwire.service.library import ImportReport

SHOWN = 20  # entries listed per section; --json lists them all


@click.group("library", no_args_is_help=True)
def library_group() -> None:
    """Import a reference manager's library into a collection; export a collection."""


@library_group.command("import")
@click.argument("username", metavar="USER")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--collection",
    metavar="NAME",
    help='The collection to add the papers to (default "My library"; made private if new).',
)
@json_option("Print the whole report as JSON.")
@config_option
def library_import(
    username: str, file: Path, collection: str | None, as_json: bool, config: Path | None
) -> None:
    """Import FILE (BibTeX, RIS or CSL-JSON, as Zotero, Mendeley and JabRef export it) into
    USER's collection: entries matched by arXiv id, DOI or title; papers the store lacks are
    fetched from arXiv when online; the rest are listed."""
    report = build_service(config).library.import_path(username, file, collection)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)


def _print_report(report: ImportReport) -> None:
    click.echo(f"{report.file}: {report.entries:,} entries ({report.format})")
    output.table(
        ["", "entries"],
        [
            ("matched by arXiv id", report.count("arxiv id")),
            ("matched by DOI", report.count("doi")),
            ("matched by title", report.count("title")),
            ("fetched from arXiv", report.count("fetched")),
            ("not fetched", len(report.not_fetched)),
            ("unmatched", len(report.unmatched)),
            ("problems", len(report.problems)),
        ],
    )
    if report.collection is not None:
        shown = output.clean(report.collection.name)
        click.echo(
            f"{report.added:,} papers added to {shown} "
            f"(/u/{report.collection.owner}/c/{report.collection.slug})"
        )
    else:
        click.echo("no paper matched; no collection was changed")
    _section("not fetched", [f"{e.where}: {e.arxiv_id}: {why}" for e, why in report.not_fetched])
    _section("unmatched", [f"{e.where}: {e.title or e.doi}" for e in report.unmatched])
    _section("problems", [str(p) for p in report.problems])


def _section(title: str, lines: list[str]) -> None:
    if not lines:
        return
    click.echo(f"{title}:")
    for line in lines[:SHOWN]:
        click.echo(f"  {output.clean(line)}")
    if len(lines) > SHOWN:
        click.echo(f"  ... and {len(lines) - SHOWN:,} more (--json lists them all)")


@library_group.command("export")
@click.argument("username", metavar="USER")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=EnumChoice(LibraryFormat, "format"),
    default=LibraryFormat.BIBTEX.value,
    show_default=True,
    help="The library file's format.",
)
@config_option
def library_export(username: str, slug: str, fmt: LibraryFormat, config: Path | None) -> None:
    """Print USER's collection SLUG as a library file (BibTeX, RIS or CSL-JSON), as its
    owner sees it."""
    click.echo(build_service(config).library.export_for(username, slug, fmt).text, nl=False)
