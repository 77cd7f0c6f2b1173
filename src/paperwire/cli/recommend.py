"""Recommendations: recommend (a user's "For you" list), eval recommend."""

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
@click.option(
    "--vectors",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Embeddings of the benchmark's papers (.npz of ids and vectors), as the product has "
    "them for embedded papers; made with the search's model when the file does not exist "
    "(~10 minutes for both dev files on 2 cores). Without it: text features alone.",
)
@json_option("Print one object per benchmark name.")
@config_option
def eval_recommend(
    files: tuple[Path, ...],
    corpus: Path,
    vectors: Path | None,
    as_json: bool,
    config: Path | None,
) -> None:
    """Score the "For you" ranking on recommendation benchmarks (FILE: JSON lines, one user
    each: profile = their upvotes, tests = days whose listing is ranked)."""
    service = build_service(config, check=False)
    report = output.progress(
        "replaying users",
        None,
        lambda tick: service.recommend.evaluate(
            list(files), corpus, progress=tick, vectors=vectors
        ),
    )
    output.problems("skipped {count} bad lines", report.problems)
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


@click.command("recommend")
@click.argument("username", metavar="USER")
@click.option("--day", "period", flag_value="day", default=True, help="The newest day (default).")
@click.option("--week", "period", flag_value="week", help="The newest day's week.")
@click.option("--limit", "-n", type=int, default=20, show_default=True, help="How many papers.")
@json_option()
@config_option
def recommend(username: str, period: str, limit: int, as_json: bool, config: Path | None) -> None:
    """A user's "For you" papers: the newest day's (or week's) listing ranked by a model of
    their upvotes and collections, each with why."""
    service = build_service(config)
    found = service.recommend.for_user(username, week=period == "week", limit=limit)
    cold = (
        f"{found.username} has {found.positives} upvoted or saved papers (fewer than 3): "
        "showing the most upvoted papers instead"
    )
    if as_json:
        data = {
            "user": found.username,
            "start": found.start.isoformat(),
            "end": found.end.isoformat(),
            "cold_start": found.cold,
            "papers": [
                {
                    "id": p.paper.id,
                    "title": p.paper.title,
                    "score": round(p.score, 4),
                    "why": list(p.why),
                }
                for p in found.picks
            ],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if found.cold:
        output.note(cold)
    span = found.start.isoformat() + ("" if found.start == found.end else f" to {found.end}")
    click.echo(f"For you, {found.username}, {span}:")
    for rank, pick in enumerate(found.picks, 1):
        output.styled(f"{rank:>2}. {output.clean(pick.paper.title)}", "bold")
        click.echo(f"    {pick.paper.id}")
        for line in pick.why:
            click.echo(f"    {output.clean(line)}")
