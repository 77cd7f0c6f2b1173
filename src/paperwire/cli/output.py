"""Everything the CLI prints beyond plain lines: errors, notes, styled text, tables and
progress bars, through rich. rich is imported inside the functions that need it, so a command
that prints only plain lines (`paperwire show`) never pays for importing it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from paperwire.search.types import Snippet

T = TypeVar("T")

# Stored text is data, never terminal commands: C0/C1 controls (ESC, CSI, BEL, ...) and the
# bidirectional overrides would let a title rewrite the screen or reorder a line. Each becomes
# one character (a space for whitespace), so snippet highlight offsets stay right.
_SHOWN = {c: " " for c in (0x09, 0x0A, 0x0B, 0x0C, 0x0D)}
_CONTROLS = {
    c: _SHOWN.get(c, "\ufffd")
    for c in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
}


def clean(text: str) -> str:
    """``text`` from the store made safe to print on a terminal (see _CONTROLS)."""
    return text.translate(_CONTROLS)


@cache
def _console(err: bool) -> Console:
    from rich.console import Console

    # soft_wrap: long lines stay one line, as print() writes them; no highlighting of numbers
    # and URLs, which would colour output other tools may parse.
    return Console(stderr=err, soft_wrap=True, highlight=False)


def styled(text: str | Text, style: str = "", *, err: bool = False) -> None:
    """One line in a rich style (colours and bold on a terminal, plain text elsewhere)."""
    _console(err).print(text, style=style, markup=False, emoji=False)


def error(message: str) -> None:
    styled(f"error: {message}", "red", err=True)


def problems(heading: str, found: Sequence[object]) -> None:
    """``heading`` (with the count) and the first ten problems on stderr; nothing if none."""
    if not found:
        return
    lines = [str(problem) for problem in found]
    shown = "\n  ".join(lines[:10])
    more = f"\n  ... and {len(lines) - 10} more" if len(lines) > 10 else ""
    click.echo(f"{heading.format(count=len(lines))}:\n  {shown}{more}", err=True)


def note(message: str) -> None:
    styled(f"note: {message}", "yellow", err=True)


def snippet(snippet: Snippet, indent: str = "    ") -> None:
    """A search snippet with its matches in bold on a terminal; plain text elsewhere (rich
    drops the styles when the output is not a terminal, so a pipe gets no ``**`` marks)."""
    from rich.text import Text

    text = Text(indent + clean(snippet.text))
    for start, end in snippet.highlights:
        text.stylize("bold", len(indent) + start, len(indent) + end)
    styled(text)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Rows under headers; every column after the first is right-aligned (they hold numbers).
    No rows, nothing printed."""
    if not rows:
        return
    from rich import box
    from rich.table import Table

    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, header in enumerate(headers):
        grid.add_column(header, justify="left" if i == 0 else "right")
    for row in rows:
        grid.add_row(*(str(cell) for cell in row))
    _console(False).print(grid)


def progress(
    label: str, total: int | None, run: Callable[[Callable[[int], None]], T], unit: str = ""
) -> T:
    """Run ``run(tick)`` with a live progress display on stderr (only when it is a terminal):
    a bar with count, rate and time left when the total is known, else a spinner with count,
    rate and time taken. ``tick(n)`` advances it by n."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns: list[ProgressColumn | str]
    if total:
        columns = [
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
        ]
    else:
        columns = [
            SpinnerColumn(),
            TextColumn(f"{label} {{task.completed:,.0f}} {unit} {{task.fields[rate]}}"),
            TimeElapsedColumn(),
        ]
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task(label, total=total or None, rate="")

        def tick(n: int) -> None:
            bar.advance(task, n)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:,.1f}/s" if speed else "")

        return run(tick)
