"""`paperwire mcp` over stdio, started by the SDK's own client as an assistant starts it, over
the same store as the served one; and the /mcp rate limit."""

from __future__ import annotations

import subprocess
import threading
import time
from typing import Any

import httpx
import pytest
import uvicorn
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_helpers import PAPERWIRE, Served, free_port, run
from mcp_types import CallToolResult, TextContent

from paperwire import citations
from paperwire.assistant.server import TOOLS, Access
from paperwire.models import TokenScope
from paperwire.service import make_service
from paperwire.settings import Settings

pytestmark = pytest.mark.slow  # server processes


def _text(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def stdio(served: Served, token: str | None = None) -> StdioServerParameters:
    env = {k: v for k, v in served.env.items() if k != "PAPERWIRE_TOKEN"}
    if token:
        env["PAPERWIRE_TOKEN"] = token
    return StdioServerParameters(command=PAPERWIRE, args=["mcp"], env=env)


def test_stdio_answers_what_the_service_answers(served: Served) -> None:
    service = served.service
    first = service.feeds.daily().cards[0].paper.id

    async def go() -> tuple[Any, ...]:
        async with Client(stdio(served)) as client:
            tools = await client.list_tools()
            paper = await client.call_tool("get_paper", {"id": first})
            daily = await client.call_tool("daily_papers", {"limit": 5})
            mine = await client.call_tool("my_collections", {})
            return tools, paper, daily, mine

    tools, paper, daily, mine = run(go)
    # No token: only the public tools are listed.
    assert {t.name for t in tools.tools} == {r.name for r in TOOLS if r.access is Access.PUBLIC}
    assert _text(paper) == citations.markdown(service.papers.get(first), served.base)
    assert daily.structured_content is not None
    assert [p["id"] for p in daily.structured_content["papers"]] == [
        c.paper.id for c in service.feeds.daily(limit=5).cards
    ]
    assert mine.is_error and "needs a token" in _text(mine)  # no token: public reading only


def test_stdio_token_scope_and_revocation(served: Served) -> None:
    service = served.service
    alice = service.accounts.user("alice")
    token, secret = service.tokens.create(alice, "desktop", TokenScope.READ)

    async def go() -> tuple[CallToolResult, ...]:
        async with Client(stdio(served, secret)) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert "my_collections" in names and "upvote" not in names  # a read token
            mine = await client.call_tool("my_collections", {})
            vote = await client.call_tool("upvote", {"id": "2412.07583"})
            service.tokens.revoke(alice, token.id)
            after = await client.call_tool("my_collections", {})  # the same process, next call
            return mine, vote, after

    mine, vote, after = run(go)
    assert not mine.is_error and "secret-reading" in _text(mine)
    assert vote.is_error and "needs a read-write token" in _text(vote)
    assert after.is_error and "not valid" in _text(after)

    # A token that is not valid is refused at start, in one line, before any protocol.
    started = subprocess.run(
        [PAPERWIRE, "mcp"],
        env={**served.env, "PAPERWIRE_TOKEN": secret},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 1 and started.stdout == ""
    assert "not a valid access token" in started.stderr and "Traceback" not in started.stderr


def test_mcp_requests_are_rate_limited(served: Served) -> None:
    """The gate spends the `mcp` budget per token owner, or per address without a token: a
    429 with Retry-After once it is spent (an app in this process, to set a small limit)."""
    from paperwire.web.app import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    service = make_service(
        Settings(
            data_dir=served.service.settings.data_dir,
            database_url=served.service.settings.database_url,
            base_url=base,
        )
    )
    service.limits.limits["mcp"] = (3, 600.0)
    service.limits.reset()
    server = uvicorn.Server(
        uvicorn.Config(create_app(service=service), port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        ask = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {"Accept": "application/json, text/event-stream"}
        anonymous = [httpx.post(f"{base}/mcp", json=ask, headers=headers) for _ in range(4)]
        assert [r.status_code for r in anonymous][3] == 429
        assert anonymous[3].headers["retry-after"] and "too many MCP" in anonymous[3].text
        assert all(r.status_code != 429 for r in anonymous[:3])
        # A token's owner has a budget of their own.
        bearer = {**headers, "Authorization": f"Bearer {served.tokens['bob-write']}"}
        assert httpx.post(f"{base}/mcp", json=ask, headers=bearer).status_code != 429
    finally:
        service.limits.reset()
        server.should_exit = True
        thread.join(timeout=15)
        service.close()
