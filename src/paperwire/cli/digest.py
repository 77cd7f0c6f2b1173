"""`paperwire digest ...`: e-mail digests: send, preview, inspect."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from paperwire.cli import output
from paperwire.cli.options import build_service, config_option, json_option


@click.group("digest", no_args_is_help=True)
def digest_group() -> None:
    """E-mail digests: send, preview, inspect."""


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a time such as 2026-03-03T08:00+00:00, got {value!r}"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@digest_group.command("run")
@click.option("--dry-run", is_flag=True, help="Match and compose only: send and record nothing.")
@click.option("--only", help="Only the digests of this e-mail address.")
@click.option(
    "--now",
    callback=_parse_now,
    help="Act as if it were this time (ISO 8601, e.g. 2026-03-03T08:00+01:00; "
    "no zone: UTC). Default: the clock.",
)
@json_option("Print the summary as JSON.")
@config_option
def digest_run(
    dry_run: bool, only: str | None, now: datetime | None, as_json: bool, config: Path | None
) -> None:
    """Send every digest that is due, once (cron-friendly: run it as often as you like).
    Exit code 1 when some digests failed or wait for a retry."""
    service = build_service(config)
    report = service.digests.run_digests(now, dry_run=dry_run, only=only)
    if as_json:
        data = dataclasses.asdict(report)
        data["now"] = report.now.isoformat()
        data["exit_code"] = report.exit_code
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(report.summary())
        for preview in report.would_send:
            click.echo(f"  {preview.email}  #{preview.subscription_id}  {preview.subject}")
    sys.exit(report.exit_code)


@digest_group.command("preview")
@click.argument("subscription", type=int)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("digest-preview.html"),
    show_default=True,
    help="File to write: .html the HTML part, .txt the text part, .eml the message.",
)
@config_option
def digest_preview(subscription: int, out: Path, config: Path | None) -> None:
    """Render the digest a subscription would get now (its latest complete day) to a file
    (SUBSCRIPTION: its id, see `digest status`)."""
    mail = build_service(config).digests.preview(subscription)
    if out.suffix == ".eml":
        out.write_bytes(mail.as_bytes())
    else:
        out.write_text(mail.text if out.suffix == ".txt" else mail.html, encoding="utf-8")
    click.echo(f"wrote {out}: {mail.decoded('Subject')}")


@digest_group.command("status")
@json_option()
@config_option
def digest_status(as_json: bool, config: Path | None) -> None:
    """Subscribers and subscriptions by state, digests of the last 14 days by state, and the
    addresses that fail (mail to a "failing" address has stopped)."""
    service = build_service(config)
    status = service.digests.digest_status()
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(status), indent=2, ensure_ascii=False))
        return
    output.table(["state", "count"], sorted(status.counts.items()))
    click.echo(
        "digests, last 14 days: "
        + (", ".join(f"{n} {state}" for state, n in sorted(status.states.items())) or "none")
    )
    if status.failing:
        click.echo("failing addresses:")
        for f in status.failing:
            click.echo(f"  {f.email}  {f.failures} failures  {f.status}  {f.last_error or ''}")
