"""`paperwire serve`: the web site, the API and the scheduled jobs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from paperwire.cli import output
from paperwire.cli.options import build_service, config_option

if TYPE_CHECKING:
    import socket

    from paperwire.settings import Settings


@click.command()
@click.option("--host", help="Address to listen on.")
@click.option("--port", type=int, help="Port to listen on.")
@click.option("--workers", type=int, help="Worker processes (default: setting).")
@click.option(
    "--migrate", is_flag=True, help="Create or upgrade the store's schema first (as `init`)."
)
@config_option
def serve(
    host: str | None, port: int | None, workers: int | None, migrate: bool, config: Path | None
) -> None:
    """Serve the web site and the API (and run the scheduled jobs). The store must be at
    this paperwire's schema: `paperwire init` or `--migrate` brings it there, once, before
    any worker starts."""
    import uvicorn

    from paperwire.settings import load_settings
    from paperwire.web.app import create_app

    settings = load_settings(config_file=config, host=host, port=port, workers=workers)
    checked = build_service(config, migrate=migrate)
    checked.close()
    address = f"http://{settings.host}:{settings.port}"
    output.styled(f"paperwire is serving {address}  (Ctrl-C to stop)", "bold green")
    if settings.workers == 1:
        uvicorn.run(create_app(settings, run_jobs=True), **uvicorn_options(settings))
        return
    # Each worker builds its own service from the same settings (environment / file); the
    # links follow --host/--port there too.
    if config is not None:
        os.environ["PAPERWIRE_CONFIG"] = str(config)
    os.environ["PAPERWIRE_BASE_URL"] = settings.public_url
    _share_metrics(settings.data_dir / "metrics")
    from uvicorn.supervisors import Multiprocess

    uv_config = uvicorn.Config(
        "paperwire.web.app:app_factory",
        factory=True,
        workers=settings.workers,
        **uvicorn_options(settings),
    )
    Multiprocess(uv_config, sockets=[_tcp_socket(uv_config.bind_socket())]).run()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What every uvicorn `paperwire serve` starts is told. ``proxy_headers`` off: uvicorn
    would otherwise take the client address from X-Forwarded-For on any connection from
    127.0.0.1 (anyone's pick behind a proxy that passes the header on); the app believes the
    header only from ``trusted_proxies`` (web.security.client_address)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "proxy_headers": False,
    }


def _share_metrics(folder: Path) -> None:
    """Workers sum their /metrics counters in ``folder`` (prometheus-client's multiprocess
    mode, web/metrics.py), unless PROMETHEUS_MULTIPROC_DIR names one already. The counts of a
    previous run are removed: counters start at zero with the server, as Prometheus expects."""
    from paperwire.web.metrics import MULTIPROC_ENV

    chosen = Path(os.environ.setdefault(MULTIPROC_ENV, str(folder)))
    chosen.mkdir(parents=True, exist_ok=True)
    for stale in chosen.glob("*.db"):
        stale.unlink()


def _tcp_socket(bound: socket.socket) -> socket.socket:
    """The listening socket re-wrapped so that it says it is TCP.

    uvicorn binds with proto 0, so asyncio never sets TCP_NODELAY on the accepted connections
    and every keep-alive response waits ~40 ms for a delayed ACK (Kludex/uvicorn#3149). The
    workers inherit the socket, hence inheritable."""
    import socket

    sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    sock.set_inheritable(True)
    return sock
