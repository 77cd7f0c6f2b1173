"""`paperwire token ...`: personal access tokens (for `paperwire mcp` and the `/mcp` endpoint),
made, listed and revoked for an account of this store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from paperwire.cli import output
from paperwire.cli.options import EnumChoice, build_service, config_option, json_option
from paperwire.models import TokenScope


@click.group("token", no_args_is_help=True)
def token_group() -> None:
    """Personal access tokens (read or read-write)."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for (shown in listings).")
@click.option(
    "--scope",
    type=EnumChoice(TokenScope, "scope"),
    default=TokenScope.READ.value,
    show_default=True,
    help="read: reading (private collections too); read-write: also votes and collections.",
)
@config_option
def token_create(username: str, name: str, scope: TokenScope, config: Path | None) -> None:
    """Make a token for USERNAME; the token is printed once, only its hash is kept."""
    service = build_service(config)
    user = service.accounts.user(username)
    token, secret = service.tokens.create(user, name, scope)
    output.note(f"token {token.id} ({token.scope}) for {user.username}; it is shown only now")
    click.echo(secret)


@token_group.command("list")
@click.argument("username")
@json_option()
@config_option
def token_list(username: str, as_json: bool, config: Path | None) -> None:
    """USERNAME's tokens (never the tokens themselves: their first characters)."""
    service = build_service(config)
    tokens = service.tokens.of_user(service.accounts.user(username))
    if as_json:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "scope": t.scope.value,
                "starts": t.prefix,
                "created": t.created_at.isoformat(),
            }
            for t in tokens
        ]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not tokens:
        output.note(f"{username} has no tokens")
    output.table(
        ["id", "name", "scope", "starts", "created"],
        [
            (t.id, output.clean(t.name), t.scope, f"{t.prefix}…", f"{t.created_at:%Y-%m-%d}")
            for t in tokens
        ],
    )


@token_group.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
@config_option
def token_revoke(username: str, token_id: int, config: Path | None) -> None:
    """Revoke USERNAME's token TOKEN_ID (from `token list`); it stops working at once."""
    service = build_service(config)
    service.tokens.revoke(service.accounts.user(username), token_id)
    click.echo(f"revoked token {token_id} of {username}")
