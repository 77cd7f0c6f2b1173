"""`paperwire user ...`: accounts."""

from __future__ import annotations

import os
from pathlib import Path

import click

from paperwire.cli.options import build_service, config_option


@click.group("user", no_args_is_help=True)
def user_group() -> None:
    """Manage accounts."""


@user_group.command("add")
@click.argument("username")
@click.option("--email", help="E-mail address.")
@click.option("--admin", is_flag=True, help="Make an admin.")
@click.option("--password", help="Password (default: prompt; or $PAPERWIRE_PASSWORD).")
@config_option
def user_add(
    username: str, email: str | None, admin: bool, password: str | None, config: Path | None
) -> None:
    """Create an account (USERNAME: the login name; the first account is always an admin)."""
    secret: str = (
        password
        or os.environ.get("PAPERWIRE_PASSWORD")
        or click.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    service = build_service(config)
    user = service.accounts.add_user(username, email, secret, admin=admin)
    click.echo(f"created {user.username}{' (admin)' if user.is_admin else ''}")
