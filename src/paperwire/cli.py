"""The ``paperwire`` command line: thin over the service.

Exit codes: 0 success; 1 a command failed (nothing could be imported, a paper was not found...);
2 usage or configuration error; 3 not found; 4 storage error; 5 a source could not be read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from paperwire.ingest import ImportReport
    from paperwire.service import Service

app = typer.Typer(
    name="paperwire",
    help="A self-hostable research-paper discovery service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML settings file (else $PAPERWIRE_CONFIG)."),
]


def _fail(message: str, code: int) -> NoReturn:
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


def _service(config: Path | None) -> Service:
    from paperwire.errors import PaperwireError
    from paperwire.service import make_service
    from paperwire.settings import load_settings

    try:
        return make_service(load_settings(config_file=config))
    except PaperwireError as exc:
        _fail(str(exc), exc.exit_code)


class _Guard:
    """Turns domain errors into a message and an exit code, in one place."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        from paperwire.errors import PaperwireError

        if isinstance(exc, PaperwireError):
            _fail(str(exc), exc.exit_code)


@app.command()
def init(config: ConfigOption = None) -> None:
    """Create the data directory and the store (or upgrade its schema)."""
    service = _service(config)
    with _Guard():
        service.init()
    typer.echo(f"store ready: {service.store.display_url}")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or archives to import.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="Force a format instead of detecting it."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Import papers from any supported file; prints what was new, updated and skipped."""
    from paperwire.sources import FORMATS

    if fmt is not None and fmt not in FORMATS:
        _fail(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}", 2)
    service = _service(config)
    with _Guard():
        service.init()
        report = _with_progress(lambda tick: service.import_files(paths, fmt=fmt, progress=tick))
    _print_report(report, as_json)
    if report.read == 0 and report.problem_count > 0:
        raise typer.Exit(1)


@app.command()
def demo(config: ConfigOption = None) -> None:
    """Import the bundled demo corpus (idempotent)."""
    service = _service(config)
    with _Guard():
        service.init()
        report = _with_progress(lambda tick: service.import_demo(progress=tick))
    _print_report(report, False)


def _with_progress(run: Callable[[Callable[[int], None]], ImportReport]) -> ImportReport:
    """Run an import with a live count and rate on stderr (only when it is a terminal)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("importing {task.completed:,.0f} records {task.fields[rate]}"),
        TimeElapsedColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("import", total=None, rate="")

        def tick(n: int) -> None:
            progress.advance(task, n)
            speed = progress.tasks[0].speed
            progress.update(task, rate=f"({speed:,.0f}/s)" if speed else "")

        return run(tick)


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(
        f"read {report.read:,}  new {report.new:,}  updated {report.updated:,}  "
        f"unchanged {report.unchanged:,}  deleted {report.deleted:,}  skipped {report.skipped:,}"
    )
    if report.matched_by_title or report.derived_ids:
        typer.echo(
            f"papers without an arXiv id: {report.matched_by_title:,} matched to known papers by "
            f"title, {report.derived_ids:,} kept under a derived id (x-...)"
        )
    if report.problem_count:
        typer.echo("skipped records:", err=True)
        for _, problem in report.problems[:20]:
            typer.echo(f"  {problem}", err=True)
        if report.problem_count > 20:
            typer.echo(f"  ... and {report.problem_count - 20:,} more; by reason:", err=True)
            for reason, count in report.reasons.most_common(10):
                typer.echo(f"    {count:>8,}  {reason}", err=True)


@app.command()
def show(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id in any spelling.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the paper as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Show one paper."""
    service = _service(config)
    with _Guard():
        paper = service.get_paper(paper_id)
    if as_json:
        typer.echo(json.dumps(paper.to_dict(), indent=2, ensure_ascii=False))
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
    lines += ["", paper.abstract]
    typer.echo("\n".join(lines))


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Counts of what the store holds."""
    service = _service(config)
    with _Guard():
        data = service.stats()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"store: {service.store.display_url}")
    typer.echo(f"papers: {data['papers']:,} ({data['with_upvotes']:,} with upvotes)")
    if data["deleted"]:
        typer.echo(f"deleted: {data['deleted']:,}")
    typer.echo(f"first seen: {data['first_seen_min']} .. {data['first_seen_max']}")
    cats = ", ".join(f"{c} {n:,}" for c, n in data["top_categories"])
    typer.echo(f"top categories: {cats or '-'}")
    typer.echo(f"change sequence: {data['change_seq']:,}")


@app.command()
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Write every paper as JSON lines (re-import with `paperwire import`)."""
    service = _service(config)
    with _Guard():
        if output is None:
            count = service.export(sys.stdout)
        else:
            with output.open("w", encoding="utf-8") as out:
                count = service.export(out)
    typer.echo(f"exported {count:,} papers", err=True)


def main() -> None:
    app()
