"""`paperwire user ...`: accounts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from paperwire.cli import output
from paperwire.cli.options import build_service, config_option, json_option


@click.group("user", no_args_is_help=True)
def user_group() -> None:
    """Manage accounts."""


def _password(given: str | None) -> str:
    return (
        given
        or os.environ.get("PAPERWIRE_PASSWORD")
        or click.prompt("password", hide_input=True, confirmation_prompt=True)
    )


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
    secret = _password(password)
    service = build_service(config)
    user = service.accounts.add_user(username, email, secret, admin=admin)
    click.echo(f"created {user.username}{' (admin)' if user.is_admin else ''}")


@user_group.command("list")
@json_option("Print the accounts as JSON.")
@config_option
def user_list(as_json: bool, config: Path | None) -> None:
    """List the accounts, oldest first."""
    users = build_service(config).accounts.users()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "username": u.username,
                        "email": u.email,
                        "admin": u.is_admin,
                        "created_at": u.created_at.isoformat(),
                    }
                    for u in users
                ],
                indent=2,
            )
        )
        return
    if not users:
        click.echo("no accounts yet; add one with `paperwire user add NAME`")
        return
    output.table(
        ["username", "e-mail", "admin", "created"],
        [
            [
                u.username,
                u.email or "",
                "yes" if u.is_admin else "",
                u.created_at.date().isoformat(),
            ]
            for u in users
        ],
    )


@user_group.command("delete")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@config_option
def user_delete(username: str, yes: bool, config: Path | None) -> None:
    """Delete an account with its votes, comments, collections and subscriptions (its
    submissions stay, without its name)."""
    if not yes:
        click.confirm(f"delete the account {username!r} and everything it owns?", abort=True)
    user = build_service(config).accounts.remove_user(username)
    click.echo(f"deleted {user.username}")


@user_group.command("set-password")
@click.argument("username")
@click.option("--password", help="The new password (default: prompt; or $PAPERWIRE_PASSWORD).")
@config_option
def user_set_password(username: str, password: str | None, config: Path | None) -> None:
    """Give an account a new password; every session of it is logged out."""
    service = build_service(config)
    user = service.accounts.set_password(username, _password(password))
    click.echo(f"new password set for {user.username}; its sessions were logged out")
