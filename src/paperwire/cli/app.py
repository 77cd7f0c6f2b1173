"""The ``paperwire`` command: every command group assembled, and domain errors turned into a
message and an exit code in one place."""

from __future__ import annotations

from typing import Any

import click

from paperwire.cli import (
    assistant,
    digest,
    library,
    output,
    papers,
    recommend,
    search,
    serve,
    sync,
    tokens,
    users,
)
from paperwire.errors import PaperwireError


class _App(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PaperwireError as exc:
            output.error(str(exc))
            ctx.exit(exc.exit_code)


@click.group("paperwire", cls=_App, no_args_is_help=True)
@click.version_option(package_name="paperwire", message="%(prog)s %(version)s")
def app() -> None:
    """A self-hostable research-paper discovery service."""


for command in (
    *papers.COMMANDS,
    sync.sync,
    *search.COMMANDS,
    serve.serve,
    users.user_group,
    tokens.token_group,
    assistant.mcp,
    digest.digest_group,
    library.library_group,
    recommend.recommend,
):
    app.add_command(command)
search.eval_group.add_command(recommend.eval_recommend)


def main() -> None:
    app()
