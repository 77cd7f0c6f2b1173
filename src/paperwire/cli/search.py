"""Search and what it is built from: index, embed, search, related, eval beir."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from paperwire.cli import output
from paperwire.cli.options import EnumChoice, build_service, config_option, json_option

if TYPE_CHECKING:
    from paperwire.search.types import SearchResponse, SearchResult


class Mode(enum.StrEnum):
    """The search modes (``paperwire.search.engine.MODES``; a test keeps the two equal)."""

    HYBRID = "hybrid"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


# How the footer of `search` names what ran (the engine reports "lexical" when meaning was
# asked for but nothing is embedded yet).
MODE_WORDS = {
    "lexical": "keyword matches",
    "semantic": "by meaning",
    "hybrid": "keywords and meaning",
}


class Sort(enum.StrEnum):
    """The result orders (``paperwire.search.engine.SORTS``; a test keeps the two equal)."""

    RELEVANCE = "relevance"
    DATE = "date"


@click.command()
@click.option("--rebuild", is_flag=True, help="Drop and rebuild the indexes.")
@config_option
def index(rebuild: bool, config: Path | None) -> None:
    """Bring the search indexes up to date with the store (they are derived and rebuildable)."""
    service = build_service(config)
    pending = None if rebuild else service.search.index_pending()
    report = output.progress(
        "indexing", pending, lambda tick: service.search.index(rebuild=rebuild, progress=tick)
    )
    for message in report.messages:
        click.echo(message, err=True)
    click.echo(
        f"{'rebuilt' if report.rebuilt else 'caught up'}: {report.lexical_applied:,} paper "
        f"changes, {report.vectors_applied:,} vector changes"
    )


@click.command()
@click.option("--limit", type=int, help="Stop after this many papers (resume later).")
@config_option
def embed(limit: int | None, config: Path | None) -> None:
    """Compute embeddings for papers that lack them (resumable: stop any time, run again)."""
    service = build_service(config)
    pending = service.search.embed_pending_count()
    if limit is not None:
        pending = min(pending, limit)
    report = output.progress(
        "embedding", pending, lambda tick: service.search.embed(progress=tick, limit=limit)
    )
    click.echo(
        f"embedded {report.embedded:,} papers ({report.seen:,} changes looked at, "
        f"{report.removed:,} removed)"
    )
    if report.skipped_ranges:
        click.echo(
            f"{report.skipped_ranges:,} ranges of papers were being embedded by other workers; "
            "run again once they finish to check nothing is left"
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


@click.command()
@click.argument("query")
@click.option(
    "--mode",
    "-m",
    type=EnumChoice(Mode, "mode"),
    default=Mode.HYBRID.value,
    show_default=True,
    help="Keywords, meaning, or both fused.",
)
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many results.",
)
@click.option(
    "--sort",
    type=EnumChoice(Sort, "sort order"),
    default=Sort.RELEVANCE.value,
    show_default=True,
    help="Best match first, or newest first.",
)
@json_option("Print results as JSON.")
@config_option
def search(
    query: str, mode: Mode, limit: int, sort: Sort, as_json: bool, config: Path | None
) -> None:
    """Search the papers (QUERY: words, "phrases", author:, cat:, since:, until:)."""
    service = build_service(config)
    service.search.index()
    response = service.search.search(query, mode=mode.value, limit=limit, sort=sort.value)
    for warning in response.warnings:
        output.note(warning)
    if response.corrected:
        output.note(f'showing results for "{response.corrected}" (no paper has the words as typed)')
    elif response.suggestion:
        output.note(f'did you mean "{response.suggestion}"?')
    if as_json:
        data = {
            "query": response.query,
            "mode": response.mode,
            "total": response.total,
            "keyword_matches": response.keyword_matches,
            "by_meaning": response.by_meaning,
            "meaning_only": response.meaning_only,
            "corrected": response.corrected,
            "suggestion": response.suggestion,
            "took_ms": round(response.took_ms, 2),
            "results": [_result_dict(r) for r in response.results],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not response.results:
        click.echo("no results; try fewer words, another spelling, or drop a filter")
        return
    for rank, result in enumerate(response.results, 1):
        paper = result.paper
        output.styled(f"{rank:>2}. {output.clean(paper.title)}", "bold")
        meta = [
            paper.id,
            ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else ""),
        ]
        if paper.first_seen:
            meta.append(paper.first_seen.isoformat())
        click.echo("    " + output.clean(" · ".join(m for m in meta if m)))
        output.snippet(result.snippet)
    how = MODE_WORDS.get(response.mode, response.mode)
    click.echo(f"{_count_line(response)} · {response.took_ms:.0f} ms · {how}")


def _count_line(response: SearchResponse) -> str:
    """What the list is, honestly: keyword matches, or papers ranked by meaning only."""
    matches = response.keyword_matches
    if matches is None:
        return "ranked by meaning (no match count in this mode)"
    if response.meaning_only:
        return "no keyword matches; papers close in meaning only"
    plural = "" if matches == 1 else "es"
    if response.by_meaning:
        return (
            f"{response.matches_shown} keyword match{plural}, ranked together with papers "
            "close in meaning"
        )
    return f"{response.matches_shown} keyword match{plural}"


@click.command()
@click.argument("paper_id", metavar="ID")
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many papers.",
)
@json_option()
@config_option
def related(paper_id: str, limit: int, as_json: bool, config: Path | None) -> None:
    """Papers related to one paper (nearest neighbours of its embedding; ID: an arXiv id in
    any spelling)."""
    service = build_service(config)
    service.search.index()
    results = service.feeds.related(paper_id, limit)
    if as_json:
        click.echo(json.dumps([_result_dict(r) for r in results], indent=2, ensure_ascii=False))
        return
    if not results:
        click.echo("no related papers found")
        return
    by_meaning = results[0].semantic_rank is not None
    if not by_meaning:
        output.note(
            "papers are not embedded yet (`paperwire embed`): these share words with its title, "
            "ranked by keyword match"
        )
    for rank, result in enumerate(results, 1):
        paper = result.paper
        # A cosine similarity means something to a reader; a BM25 score does not.
        similarity = f", similarity {result.score:.2f}" if by_meaning else ""
        click.echo(f"{rank:>2}. {output.clean(paper.title)} ({paper.id}{similarity})")


@click.group("eval", no_args_is_help=True)
def eval_group() -> None:
    """Measure search or recommendation quality on a benchmark."""


# The modes an evaluation scores: those asked for, else all three.
modes_option = click.option(
    "--mode",
    "-m",
    "modes",
    type=EnumChoice(Mode, "mode"),
    multiple=True,
    help="Mode(s) to score (default: all).",
)


def scored_modes(modes: tuple[Mode, ...]) -> list[str]:
    return [m.value for m in modes or (Mode.LEXICAL, Mode.SEMANTIC, Mode.HYBRID)]


@eval_group.command("beir")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--split", default="test", show_default=True, help="qrels split to score.")
@modes_option
@json_option()
@config_option
def eval_beir(
    path: Path, split: str, modes: tuple[Mode, ...], as_json: bool, config: Path | None
) -> None:
    """Score lexical, semantic and hybrid search on a BEIR benchmark (e.g. SciFact; PATH: a
    folder in BEIR layout: corpus.jsonl, queries.jsonl, qrels/)."""
    chosen = scored_modes(modes)
    service = build_service(config, check=False)
    evaluation = output.progress(
        "embedding benchmark",
        None,
        lambda tick: service.search.evaluate(path, split=split, modes=chosen, progress=tick),
    )
    scores = evaluation.scores
    problems = [str(p) for p in evaluation.problems]
    output.problems("skipped {count} bad lines", problems)
    if as_json:
        report = {"benchmark": str(path), "split": split, "scores": scores, "skipped": problems}
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{path} · split {split} · {int(next(iter(scores.values()))['queries'])} queries")
    output.table(
        ["mode", "nDCG@10", "recall@100", "MRR@10"],
        [
            [name, f"{v['ndcg@10']:.4f}", f"{v['recall@100']:.4f}", f"{v['mrr@10']:.4f}"]
            for name, v in scores.items()
        ],
    )


@eval_group.command("known-item")
@click.argument("path", type=click.Path(path_type=Path), metavar="FILE")
@modes_option
@json_option()
@config_option
def eval_known_item(
    path: Path, modes: tuple[Mode, ...], as_json: bool, config: Path | None
) -> None:
    """Score search on the current store with known-item queries (FILE: JSON lines
    {"query": ..., "id": ...}, each query made from the paper it should find)."""
    chosen = scored_modes(modes)
    service = build_service(config)
    service.search.index()
    report = service.search.evaluate_known_items(path, modes=chosen)
    for note in report.notes:
        output.note(note)
    output.problems("{count} lines with problems", report.problems)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
        return
    click.echo(f"{path} · {report.queries} queries")
    output.table(
        ["mode", "R@1", "R@10", "MRR@10"],
        [
            [name, f"{v['R@1']:.3f}", f"{v['R@10']:.3f}", f"{v['MRR@10']:.3f}"]
            for name, v in report.scores.items()
        ],
    )


COMMANDS = (index, embed, search, related, eval_group)
