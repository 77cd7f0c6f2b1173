"""`paperwire sync`: fetch new and changed papers from arXiv and Hugging Face."""

from __future__ import annotations

import enum
import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from paperwire.cli.options import EnumChoice, build_service, config_option, json_option


class Job(enum.StrEnum):
    """The sync jobs (``paperwire.sync.JOBS``; a test keeps the two equal) and both."""

    ARXIV = "arxiv"
    HF = "hf"
    ALL = "all"


@click.command()
@click.argument("which", type=EnumChoice(Job, "job"), default=Job.ALL.value)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Start from this date (YYYY-MM-DD), not the checkpoint.",
)
@click.option(
    "--since-snapshot",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Start arXiv from the newest update_date of this bulk snapshot file.",
)
@click.option("--dry-run", is_flag=True, help="Fetch and count what would change; write nothing.")
@json_option("Print the summary as JSON.")
@config_option
def sync(
    which: Job,
    since: datetime | None,
    since_snapshot: Path | None,
    dry_run: bool,
    as_json: bool,
    config: Path | None,
) -> None:
    """Fetch new and changed papers from arXiv (OAI-PMH) and Hugging Face daily papers.

    Exit code 0: something changed; 10: nothing changed; 5: a source failed. So
    `paperwire sync && paperwire index` indexes only after a sync that changed something."""
    if since is not None and since_snapshot is not None:
        raise click.UsageError("give --since or --since-snapshot, not both")
    start: date | None = None if since is None else since.date()
    service = build_service(config)
    if since_snapshot is not None:
        start = service.sync.snapshot_date(since_snapshot)
        click.echo(f"snapshot {since_snapshot}: newest update_date {start}", err=True)
    report = service.sync.sync(
        which.value,
        since=start,
        dry_run=dry_run,
        progress=lambda line: click.echo(line, err=True),
    )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for job in report.jobs:
            click.echo(job.summary())  # names the failure that stopped the job, if one did
            others = [m for m in job.errors if m != job.failed]
            for message in others[:20]:
                click.echo(f"  {message}", err=True)
            if len(others) > 20:
                click.echo(f"  ... and {len(others) - 20:,} more", err=True)
    sys.exit(report.exit_code)
