"""The ``paperwire`` command line: thin over the service.

Exit codes: 0 success; 1 a command failed (nothing could be imported, a paper was not found...);
2 usage or configuration error; 3 not found; 4 storage error; 5 a source could not be read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from paperwire.ingest import ImportReport
    from paperwire.search.types import SearchResult
    from paperwire.service import Service

T = TypeVar("T")

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
    no_index: Annotated[
        bool, typer.Option("--no-index", help="Skip updating the search index afterwards.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Import papers from any supported file; prints what was new, updated and skipped, then
    brings the search index up to date."""
    from paperwire.sources import FORMATS

    if fmt is not None and fmt not in FORMATS:
        _fail(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}", 2)
    service = _service(config)
    with _Guard():
        service.init()
        report = _with_progress(
            lambda tick: service.papers.import_files(paths, fmt=fmt, progress=tick)
        )
        if not no_index and (report.new or report.updated or report.deleted):
            _counting_progress(
                "indexing",
                service.search.index_pending(),
                lambda t: service.search.index(progress=t),
            )
    _print_report(report, as_json)
    if report.read == 0 and report.problem_count > 0:
        raise typer.Exit(1)


@app.command()
def demo(config: ConfigOption = None) -> None:
    """Import the bundled demo corpus (idempotent)."""
    service = _service(config)
    with _Guard():
        service.init()
        report = _with_progress(lambda tick: service.papers.import_demo(progress=tick))
        _counting_progress(
            "indexing", service.search.index_pending(), lambda t: service.search.index(progress=t)
        )
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
        paper = service.papers.get(paper_id)
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
        data = service.papers.stats()
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
            count = service.papers.export(sys.stdout)
        else:
            with output.open("w", encoding="utf-8") as out:
                count = service.papers.export(out)
    typer.echo(f"exported {count:,} papers", err=True)


def _counting_progress(
    label: str, total: int | None, run: Callable[[Callable[[int], None]], T]
) -> T:
    """Run a job with a progress bar (rate and ETA when the total is known) on a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task(label, total=total or None, rate="")

        def tick(n: int) -> None:
            progress.advance(task, n)
            speed = progress.tasks[0].speed
            progress.update(task, rate=f"{speed:,.1f}/s" if speed else "")

        return run(tick)


@app.command()
def index(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop and rebuild the indexes.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Bring the search indexes up to date with the store (they are derived and rebuildable)."""
    service = _service(config)
    with _Guard():
        pending = None if rebuild else service.search.index_pending()
        report = _counting_progress(
            "indexing", pending, lambda tick: service.search.index(rebuild=rebuild, progress=tick)
        )
    for message in report.messages:
        typer.echo(message, err=True)
    typer.echo(
        f"{'rebuilt' if report.rebuilt else 'caught up'}: {report.lexical_applied:,} paper "
        f"changes, {report.vectors_applied:,} vector changes"
    )


@app.command()
def embed(
    limit: Annotated[
        int | None, typer.Option("--limit", help="Stop after this many papers (resume later).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Compute embeddings for papers that lack them (resumable: stop any time, run again)."""
    service = _service(config)
    with _Guard():
        pending = service.search.embed_pending_count()
        if limit is not None:
            pending = min(pending, limit)
        report = _counting_progress(
            "embedding", pending, lambda tick: service.search.embed(progress=tick, limit=limit)
        )
    typer.echo(
        f"embedded {report.embedded:,} papers ({report.seen:,} changes looked at, "
        f"{report.removed:,} removed)"
    )


def _result_dict(result: SearchResult) -> dict[str, object]:
    paper = result.paper
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": paper.authors,
        "categories": paper.categories,
        "first_seen": paper.first_seen.isoformat() if paper.first_seen else None,
        "upvotes": paper.upvotes,
        "score": round(result.score, 6),
        "snippet": result.snippet.text,
        "highlights": result.snippet.highlights,
        "lexical_rank": result.lexical_rank,
        "semantic_rank": result.semantic_rank,
    }


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", author:, cat:, since:, until:.')],
    mode: Annotated[
        str, typer.Option("--mode", "-m", help="hybrid, lexical or semantic.")
    ] = "hybrid",
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many results.")] = 10,
    sort: Annotated[str, typer.Option("--sort", help="relevance or date.")] = "relevance",
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Search the papers."""
    service = _service(config)
    with _Guard():
        service.search.index()
        response = service.search.search(query, mode=mode, limit=limit, sort=sort)
    for warning in response.warnings:
        typer.secho(f"note: {warning}", fg="yellow", err=True)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "query": response.query,
                    "mode": response.mode,
                    "total": response.total,
                    "took_ms": round(response.took_ms, 2),
                    "results": [_result_dict(r) for r in response.results],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not response.results:
        typer.echo("no results; try fewer words, another spelling, or drop a filter")
        return
    for rank, result in enumerate(response.results, 1):
        paper = result.paper
        typer.secho(f"{rank:>2}. {paper.title}", bold=True)
        meta = [
            paper.id,
            ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else ""),
        ]
        if paper.first_seen:
            meta.append(paper.first_seen.isoformat())
        typer.echo("    " + " · ".join(m for m in meta if m))
        bold = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("**", "**")
        typer.echo("    " + result.snippet.marked(*bold))
    typer.echo(f"{response.total:,} matches · {response.took_ms:.0f} ms · {response.mode}")


@app.command()
def related(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id in any spelling.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many papers.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Papers related to one paper (nearest neighbours of its embedding)."""
    service = _service(config)
    with _Guard():
        service.search.index()
        results = service.feeds.related(paper_id, limit)
    if as_json:
        typer.echo(json.dumps([_result_dict(r) for r in results], indent=2, ensure_ascii=False))
        return
    for rank, result in enumerate(results, 1):
        typer.echo(f"{rank:>2}. {result.paper.title} ({result.paper.id}, {result.score:.3f})")


eval_app = typer.Typer(help="Measure search quality on a benchmark.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("beir")
def eval_beir(
    path: Annotated[Path, typer.Argument(help="Folder in BEIR layout (corpus.jsonl, ...).")],
    split: Annotated[str, typer.Option("--split", help="qrels split to score.")] = "test",
    mode: Annotated[
        list[str] | None, typer.Option("--mode", "-m", help="Mode(s) to score (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Score lexical, semantic and hybrid search on a BEIR benchmark (e.g. SciFact)."""
    from paperwire.search.engine import MODES

    modes = mode or ["lexical", "semantic", "hybrid"]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        _fail(f"unknown mode {unknown[0]!r}; use one of {', '.join(MODES)}", 2)
    service = _service(config)
    with _Guard():
        evaluation = _counting_progress(
            "embedding benchmark",
            None,
            lambda tick: service.search.evaluate(path, split=split, modes=modes, progress=tick),
        )
    scores = evaluation.scores
    problems = [str(p) for p in evaluation.problems]
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        typer.echo(f"skipped {len(problems)} bad lines:\n  {shown}{more}", err=True)
    if as_json:
        report = {"benchmark": str(path), "split": split, "scores": scores, "skipped": problems}
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(f"{path} · split {split} · {int(next(iter(scores.values()))['queries'])} queries")
    typer.echo(f"{'mode':<10}{'nDCG@10':>10}{'recall@100':>12}{'MRR@10':>10}")
    for name, values in scores.items():
        typer.echo(
            f"{name:<10}{values['ndcg@10']:>10.4f}{values['recall@100']:>12.4f}{values['mrr@10']:>10.4f}"
        )


@app.command()
def sync(
    which: Annotated[
        str, typer.Argument(metavar="[arxiv|hf|all]", help="Which job to run.")
    ] = "all",
    since: Annotated[
        str | None,
        typer.Option("--since", help="Start from this date (YYYY-MM-DD), not the checkpoint."),
    ] = None,
    since_snapshot: Annotated[
        Path | None,
        typer.Option(
            "--since-snapshot",
            help="Start arXiv from the newest update_date of this bulk snapshot file.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fetch and count what would change; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Fetch new and changed papers from arXiv (OAI-PMH) and Hugging Face daily papers.

    Exit code 0: something changed; 10: nothing changed; 5: a source failed. So
    `paperwire sync && paperwire index` indexes only after a sync that changed something."""
    from datetime import date

    from paperwire.sync import JOBS

    if which not in (*JOBS, "all"):
        _fail(f"unknown job {which!r}; choose arxiv, hf or all", 2)
    if since is not None and since_snapshot is not None:
        _fail("give --since or --since-snapshot, not both", 2)
    start = None
    if since is not None:
        try:
            start = date.fromisoformat(since)
        except ValueError:
            _fail(f"--since: not a date (YYYY-MM-DD): {since!r}", 2)
    service = _service(config)
    with _Guard():
        service.init()
        if since_snapshot is not None:
            start = service.sync.snapshot_date(since_snapshot)
            typer.echo(f"snapshot {since_snapshot}: newest update_date {start}", err=True)
        report = service.sync.sync(
            which, since=start, dry_run=dry_run, progress=lambda line: typer.echo(line, err=True)
        )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for job in report.jobs:
            typer.echo(job.summary())  # names the failure that stopped the job, if one did
            others = [m for m in job.errors if m != job.failed]
            for message in others[:20]:
                typer.echo(f"  {message}", err=True)
            if len(others) > 20:
                typer.echo(f"  ... and {len(others) - 20:,} more", err=True)
    raise typer.Exit(report.exit_code)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on.")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Worker processes (default: setting).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Serve the web site and the API (and run the scheduled jobs)."""
    import os

    import uvicorn

    from paperwire.settings import load_settings
    from paperwire.web.app import create_app

    settings = load_settings(config_file=config, host=host, port=port, workers=workers)
    address = f"http://{settings.host}:{settings.port}"
    typer.secho(f"paperwire is serving {address}  (Ctrl-C to stop)", fg="green", bold=True)
    if settings.workers > 1:
        # Each worker builds its own service from the same settings (environment / file).
        if config is not None:
            os.environ["PAPERWIRE_CONFIG"] = str(config)
        import socket

        from uvicorn.supervisors import Multiprocess

        uv_config = uvicorn.Config(
            "paperwire.web.app:app_factory",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level="warning",
        )
        bound = uv_config.bind_socket()
        # uvicorn binds with proto 0, so asyncio never sets TCP_NODELAY on the accepted
        # connections and every keep-alive response waits ~40 ms for a delayed ACK
        # (Kludex/uvicorn#3149): hand the workers a socket that says it is TCP.
        sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
        sock.set_inheritable(True)
        Multiprocess(uv_config, sockets=[sock]).run()
    else:
        uvicorn.run(
            create_app(settings, run_jobs=True),
            host=settings.host,
            port=settings.port,
            log_level="warning",
        )


user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    email: Annotated[str | None, typer.Option("--email", help="E-mail address.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make an admin.")] = False,
    password: Annotated[
        str | None,
        typer.Option("--password", help="Password (default: prompt; or $PAPERWIRE_PASSWORD)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Create an account (the first account is always an admin)."""
    import os

    secret = (
        password
        or os.environ.get("PAPERWIRE_PASSWORD")
        or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    service = _service(config)
    with _Guard():
        service.init()
        user = service.accounts.add_user(username, email, secret, admin=admin)
    typer.echo(f"created {user.username}{' (admin)' if user.is_admin else ''}")


digest_app = typer.Typer(help="E-mail digests: send, preview, inspect.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("run")
def digest_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Match and compose only: send and record nothing.")
    ] = False,
    only: Annotated[
        str | None, typer.Option("--only", help="Only the digests of this e-mail address.")
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Act as if it were this time (ISO 8601, e.g. 2026-03-03T08:00+01:00; "
            "no zone: UTC). Default: the clock.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Send every digest that is due, once (cron-friendly: run it as often as you like).
    Exit code 1 when some digests failed or wait for a retry."""
    import dataclasses
    from datetime import UTC, datetime

    when = None
    if now is not None:
        try:
            when = datetime.fromisoformat(now)
        except ValueError:
            _fail(f"--now: expected a time such as 2026-03-03T08:00+00:00, got {now!r}", 2)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    service = _service(config)
    with _Guard():
        service.init()
        report = service.digests.run_digests(when, dry_run=dry_run, only=only)
    if as_json:
        data = dataclasses.asdict(report)
        data["now"] = report.now.isoformat()
        data["exit_code"] = report.exit_code
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(report.summary())
        for preview in report.would_send:
            typer.echo(f"  {preview.email}  #{preview.subscription_id}  {preview.subject}")
    raise typer.Exit(report.exit_code)


@digest_app.command("preview")
def digest_preview(
    subscription: Annotated[int, typer.Argument(help="Subscription id (see `digest status`).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="File to write: .html the HTML part, .txt the text part, .eml the message.",
        ),
    ] = Path("digest-preview.html"),
    config: ConfigOption = None,
) -> None:
    """Render the digest a subscription would get now (its latest complete day) to a file."""
    service = _service(config)
    with _Guard():
        mail = service.digests.preview(subscription)
    if out.suffix == ".eml":
        out.write_bytes(mail.as_bytes())
    else:
        out.write_text(mail.text if out.suffix == ".txt" else mail.html, encoding="utf-8")
    typer.echo(f"wrote {out}: {mail.decoded('Subject')}")


@digest_app.command("status")
def digest_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """Subscribers and subscriptions by state, digests of the last 14 days by state, and the
    addresses that fail (mail to a "failing" address has stopped)."""
    import dataclasses

    service = _service(config)
    with _Guard():
        service.init()
        status = service.digests.digest_status()
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(status), indent=2, ensure_ascii=False))
        return
    for name, count in sorted(status.counts.items()):
        typer.echo(f"{name:<28}{count:>8}")
    typer.echo(
        "digests, last 14 days: "
        + (", ".join(f"{n} {state}" for state, n in sorted(status.states.items())) or "none")
    )
    if status.failing:
        typer.echo("failing addresses:")
        for f in status.failing:
            typer.echo(f"  {f.email}  {f.failures} failures  {f.status}  {f.last_error or ''}")


def main() -> None:
    app()
