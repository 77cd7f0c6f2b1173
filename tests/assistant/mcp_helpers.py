"""What the MCP tests share: the served store's record and running a coroutine."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from paperwire.service import Service

PAPERWIRE = str(Path(sys.executable).parent / "paperwire")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    base: str  # http://127.0.0.1:PORT
    env: dict[str, str]  # what the server (and `paperwire mcp`) was started with
    service: Service  # the same store, in this process: the answers to compare with
    tokens: dict[str, str]  # "alice-read", "alice-write", "bob-write" -> secret
    log: Path  # the server's stderr

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"


def run(coroutine: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return anyio.run(coroutine)
