"""`paperwire mcp`: the MCP server over stdio, for an assistant on this machine (Claude
Desktop, Claude Code, Cursor, VS Code start it as a subprocess). Its stdout carries the
protocol only; messages go to stderr."""

from __future__ import annotations

from pathlib import Path

import click

from paperwire.cli.options import build_service, config_option


@click.command("mcp")
@click.option(
    "--token",
    envvar="PAPERWIRE_TOKEN",
    help="Act as this token's owner, within its scope (else $PAPERWIRE_TOKEN; without one: "
    "public reading only).",
)
@config_option
def mcp(token: str | None, config: Path | None) -> None:
    """Serve the MCP tools over stdio for a local store."""
    from paperwire.assistant.server import build_server
    from paperwire.errors import AuthError

    service = build_service(config)
    if token and service.tokens.holder(token) is None:
        raise AuthError("--token: not a valid access token (revoked or mistyped)")
    try:
        build_server(service, base_url=service.settings.public_url, local_token=token or None).run(
            "stdio"
        )
    finally:
        service.close()
