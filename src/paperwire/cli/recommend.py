"""Recommendations: eval recommend."""

from __future__ import annotations

import json
from pathlib import Path

import click

from paperwire.cli import output
from paperwire.cli.options import build_service, config_option, json_option
from paperwire.service.recommend import DEFAULT_CORPUS


@click.command("recommend")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--corpus",
    type=click.Path(path_type=Path),
    default=DEFAULT_CORPUS,
    show_default=True,
    help="The papers the benchmark's ids name (JSON lines, gzip or not).",
)
@json_option("Print one object per benchmark name.")
@config_option
def eval_recommend(
    files: tuple[Path, ...], corpus: Path, as_json: bool, config: Path | None
) -> None:
    """Score the "For you" ranking on recommendation benchmarks (FILE: JSON lines, one user
    each: profile = their upvotes, tests = days whose listing is ranked)."""
    service = build_service(config, check=False)
    report = output.progress(
        "replaying users",
        None,
        lambda tick: service.recommend.evaluate(list(files), corpus, progress=tick),
    )
    problems = [str(p) for p in report.problems]
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        click.echo(f"skipped {len(problems)} bad lines:\n  {shown}{more}", err=True)
    for result in report.results:
        if result.problems:
            click.echo(
                f"{result.benchmark}: {len(result.problems)} test days or profiles not "
                f"scored as given (first: {result.problems[0]})",
                err=True,
            )
    if as_json:
        data = {
            r.benchmark: {
                **r.scores,
                "users": r.users,
                "days": r.days,
                "ms_per_user": round(r.seconds_per_user * 1000, 1),
                "ms_per_day": round(r.seconds_per_day * 1000, 2),
            }
            for r in report.results
        }
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"{'benchmark':<16} {'users':>6} {'days':>7} {'nDCG@10':>8} {'hit@10':>7} "
        f"{'MRR':>6} {'ms/user':>8} {'ms/day':>7}"
    )
    for r in report.results:
        click.echo(
            f"{r.benchmark:<16} {r.users:>6,} {r.days:>7,} {r.scores['ndcg@10']:>8.3f} "
            f"{r.scores['hit@10']:>7.3f} {r.scores['mrr']:>6.3f} "
            f"{r.seconds_per_user * 1000:>8.0f} {r.seconds_per_day * 1000:>7.1f}"
        )
