"""The MCP server at /mcp of a running `paperwire serve`, through the SDK's own client over
streamable HTTP: every tool called and checked against the service's answer for the same
input; the token rules; hostile input of every kind answered by clear tool errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_helpers import Served, run
from mcp_types import CallToolResult, TextContent

from paperwire import citations
from paperwire.assistant.server import TOOLS, Access
from paperwire.models import TokenScope

pytestmark = pytest.mark.slow  # a server process per database


@asynccontextmanager
async def connect(served: Served, token: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(served.url, http_client=http)) as client,
    ):
        yield client


def call(
    served: Served, name: str, arguments: dict[str, Any], token: str | None = None
) -> CallToolResult:
    async def go() -> CallToolResult:
        async with connect(served, token) as client:
            return await client.call_tool(name, arguments)

    result: CallToolResult = run(go)
    return result


def text(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def ids(result: CallToolResult) -> list[str]:
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return [p["id"] for p in result.structured_content["papers"]]


def listed(served: Served, token: str | None = None) -> dict[str, Any]:
    async def go() -> Any:
        async with connect(served, token) as client:
            return await client.list_tools()

    return {tool.name: tool for tool in run(go).tools}


def test_lists_the_tools_each_caller_may_use(served: Served) -> None:
    public = {row.name for row in TOOLS if row.access is Access.PUBLIC}
    assert set(listed(served)) == public
    accounts = {row.name for row in TOOLS if row.access is Access.ACCOUNT}
    assert accounts == {"my_collections", "my_recommendations"}
    assert set(listed(served, served.tokens["alice-read"])) == public | accounts
    everything = listed(served, served.tokens["alice-write"])
    assert set(everything) == {row.name for row in TOOLS}
    listed_ = everything
    for tool in listed_.values():
        assert tool.description and tool.output_schema, tool.name
    assert listed_["upvote"].annotations.read_only_hint is False
    assert listed_["get_paper"].annotations.read_only_hint is True
    search = listed_["search_papers"].input_schema["properties"]
    assert {"query", "mode", "since", "until", "category", "author", "limit"} <= set(search)


def test_reading_tools_answer_what_the_service_answers(served: Served) -> None:
    service = served.service
    day = service.feeds.daily()
    first = day.cards[0].paper.id

    got = call(served, "get_paper", {"id": first})
    # The same markdown as the site's /papers/{id}.md, byte for byte.
    page = httpx.get(f"{served.base}/papers/{first}.md", timeout=10)
    assert page.status_code == 200
    assert text(got) == page.text == citations.markdown(service.papers.get(first), served.base)
    assert got.structured_content is not None
    assert got.structured_content["abstract"] == service.papers.get(first).abstract

    found = call(served, "search_papers", {"query": "diffusion", "mode": "lexical", "limit": 5})
    expected = service.search.search("diffusion", mode="lexical", limit=5)
    assert ids(found) == [r.paper.id for r in expected.results] and ids(found)
    assert found.structured_content is not None
    assert found.structured_content["total"] == expected.total

    cat = day.cards[0].paper.categories
    if cat:
        filtered = call(
            served, "search_papers", {"query": "", "category": cat[0], "mode": "lexical"}
        )
        assert ids(filtered) == [
            r.paper.id
            for r in service.search.search(f"cat:{cat[0]}", mode="lexical", limit=10).results
        ]

    related = call(served, "related_papers", {"id": first, "limit": 4})
    assert ids(related) == [r.paper.id for r in service.feeds.related(first, 4)]

    daily = call(served, "daily_papers", {"limit": 200})
    assert ids(daily) == [c.paper.id for c in service.feeds.daily(limit=200).cards]
    assert day.start is not None
    iso = day.start.isocalendar()
    week = call(served, "daily_papers", {"week": f"{iso.year}-W{iso.week:02d}", "limit": 50})
    assert ids(week) == [c.paper.id for c in service.feeds.weekly(day.start, limit=50).cards]
    month = call(served, "daily_papers", {"month": f"{day.start:%Y-%m}", "limit": 30})
    assert ids(month) == [c.paper.id for c in service.feeds.monthly(day.start, limit=30).cards]

    trending = call(served, "trending", {"limit": 7})
    assert ids(trending) == [c.paper.id for c in service.feeds.trending(limit=7).cards]
    assert ids(call(served, "daily_papers", {"sort": "trending", "limit": 7})) == ids(trending)

    shelf = call(served, "collection", {"reference": "bob/open-shelf"})
    view = service.community.collection_page("bob", "open-shelf", None)
    assert ids(shelf) == [c.paper.id for c in view.cards] and len(ids(shelf)) == 2


def test_resources_and_prompt(served: Served) -> None:
    first = served.service.feeds.daily().cards[0].paper.id

    async def go() -> tuple[Any, ...]:
        async with connect(served) as client:
            paper = await client.read_resource(f"paper://{first}")
            shelf = await client.read_resource("collection://bob/open-shelf")
            prompt = await client.get_prompt("survey_week", {"topic": "video diffusion"})
            return paper, shelf, prompt

    paper, shelf, prompt = run(go)
    assert paper.contents[0].text == citations.markdown(
        served.service.papers.get(first), served.base
    )
    assert "Open shelf" in shelf.contents[0].text
    assert "video diffusion" in prompt.messages[0].content.text


def test_no_token_reads_public_only(served: Served) -> None:
    for name, arguments in (
        ("my_collections", {}),
        ("add_to_collection", {"id": "2412.07583", "collection": "secret-reading"}),
        ("upvote", {"id": "2412.07583"}),
        ("not_interested", {"id": "2412.07583"}),
    ):
        refused = call(served, name, arguments)
        assert refused.is_error
        assert "needs" in text(refused) and "token" in text(refused), text(refused)
    hidden = call(served, "collection", {"reference": "alice/secret-reading"})
    assert hidden.is_error and "no collection alice/secret-reading" in text(hidden)


def test_my_recommendations_answer_what_the_for_you_tab_shows(served: Served) -> None:
    token = served.tokens["alice-read"]
    for period in ("day", "week"):
        found = call(served, "my_recommendations", {"period": period, "limit": 5}, token)
        assert not found.is_error, text(found)
        expected = served.service.recommend.for_user("alice", week=period == "week", limit=5)
        assert ids(found) == [pick.paper.id for pick in expected.picks]
        if expected.cold:
            assert "For you needs 3" in text(found)
    assert call(served, "my_recommendations", {}).is_error  # no token: no "you"


def test_a_read_token_reads_its_own_but_writes_nothing(served: Served) -> None:
    token = served.tokens["alice-read"]
    mine = call(served, "my_collections", {}, token)
    assert not mine.is_error
    assert mine.structured_content is not None
    refs = {c["reference"] for c in mine.structured_content["collections"]}
    assert refs == {"alice/secret-reading"}
    private = call(served, "collection", {"reference": "alice/secret-reading"}, token)
    assert len(ids(private)) == 1
    for name, arguments in (
        ("add_to_collection", {"id": "2412.07583", "collection": "secret-reading"}),
        ("upvote", {"id": "2412.07583"}),
        ("not_interested", {"id": "2412.07583"}),
    ):
        refused = call(served, name, arguments, token)
        assert refused.is_error and "needs a read-write token" in text(refused)
    alice = served.service.accounts.user("alice")
    assert served.service.signals.of_user(alice).not_interested == set()


def test_a_read_write_token_votes_and_collects(served: Served) -> None:
    service = served.service
    token = served.tokens["alice-write"]
    alice = service.accounts.user("alice")
    paper = service.feeds.daily().cards[-1].paper
    before = service.cards([paper], alice)[0]
    assert not before.voted
    voted = call(served, "upvote", {"id": paper.id}, token)
    assert not voted.is_error, text(voted)
    after = service.cards([paper], alice)[0]
    assert after.voted and after.upvotes == before.upvotes + 1
    assert voted.structured_content == {
        "id": paper.id,
        "upvotes": after.upvotes,
        "voted": True,
        "changed": True,
    }
    again = call(served, "upvote", {"id": paper.id}, token)  # adds, never toggles off
    assert again.structured_content is not None and again.structured_content["changed"] is False
    assert service.cards([paper], alice)[0].voted

    added = call(
        served, "add_to_collection", {"id": paper.id, "collection": "secret-reading"}, token
    )
    assert not added.is_error, text(added)
    view = service.community.collection_page("alice", "secret-reading", alice)
    assert paper.id in [c.paper.id for c in view.cards]
    # Someone else's collection is never writable, nor even named.
    others = call(
        served, "add_to_collection", {"id": paper.id, "collection": "bob/open-shelf"}, token
    )
    assert others.is_error and "your own collections" in text(others)


def test_a_read_write_token_marks_a_paper_not_interested(served: Served) -> None:
    service = served.service
    token = served.tokens["alice-write"]
    alice = service.accounts.user("alice")
    paper = service.feeds.daily().cards[1].paper  # [0] is in alice's collection
    assert paper.id in [p.paper.id for p in service.recommend.for_user("alice").picks]
    marked = call(served, "not_interested", {"id": paper.id}, token)
    assert not marked.is_error, text(marked)
    assert marked.structured_content == {
        "id": paper.id,
        "not_interested": True,
        "changed": True,
    }
    assert service.signals.of_user(alice).not_interested == {paper.id}
    assert paper.id not in [p.paper.id for p in service.recommend.for_user("alice").picks]
    again = call(served, "not_interested", {"id": paper.id}, token)
    assert again.structured_content is not None and again.structured_content["changed"] is False
    # Private: bob's list and signals are untouched.
    assert service.signals.of_user(service.accounts.user("bob")).not_interested == set()
    unknown = call(served, "not_interested", {"id": "2501.99999"}, token)
    assert unknown.is_error and "no paper 2501.99999 in the store" in text(unknown)
    service.signals.undo_not_interested(alice, paper.id)


def test_another_users_private_collection_is_never_reachable(served: Served) -> None:
    bob = served.tokens["bob-write"]
    for reference in ("alice/secret-reading", "ALICE/secret-reading", "alice/secret-reading/"):
        hidden = call(served, "collection", {"reference": reference}, bob)
        assert hidden.is_error and "no collection" in text(hidden), text(hidden)
    mine = call(served, "my_collections", {}, bob)
    assert mine.structured_content is not None
    assert [c["reference"] for c in mine.structured_content["collections"]] == ["bob/open-shelf"]
    # bob's write token cannot add to alice's collection by its slug (it is looked up in his)
    missing = call(
        served, "add_to_collection", {"id": "2412.07583", "collection": "secret-reading"}, bob
    )
    assert missing.is_error and "no collection bob/secret-reading" in text(missing)

    async def go() -> str:
        async with connect(served, bob) as client:
            try:
                await client.read_resource("collection://alice/secret-reading")
            except MCPError as exc:
                return exc.error.message
            return "read"

    assert "no collection alice/secret-reading" in run(go)


def test_a_revoked_token_fails_at_once(served: Served) -> None:
    service = served.service
    alice = service.accounts.user("alice")
    token, secret = service.tokens.create(alice, "soon gone", TokenScope.READ_WRITE)

    async def go() -> tuple[bool, bool]:
        async with connect(served, secret) as client:
            ok = not (await client.call_tool("my_collections", {})).is_error
            service.tokens.revoke(alice, token.id)
            # The same connection, the next call: refused by the HTTP gate with a 401.
            try:
                await client.call_tool("my_collections", {})
            except MCPError:  # the SDK's client raises on an HTTP error (the 401 below)
                return ok, True
            return ok, False

    ok, refused = run(go)
    assert ok and refused
    answer = httpx.post(
        served.url,
        headers={"Authorization": f"Bearer {secret}", "Accept": "application/json"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert "not a valid paperwire access token" in answer.json()["error"]
    assert answer.headers["www-authenticate"].startswith("Bearer")


HOSTILE = [
    "\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "\u202egnp.exe",
    "x" * 10_000,
    "%00%2F..",
    "author:",
    '"',
    "9999.99999",
]


def hostile_calls() -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    for value in HOSTILE:
        calls += [
            ("search_papers", {"query": value}),
            ("search_papers", {"query": "a", "author": value}),
            ("search_papers", {"query": "a", "category": value}),
            ("search_papers", {"query": "a", "since": value}),
            ("get_paper", {"id": value}),
            ("related_papers", {"id": value}),
            ("daily_papers", {"date": value}),
            ("daily_papers", {"week": value}),
            ("daily_papers", {"month": value}),
            ("collection", {"reference": value}),
            ("add_to_collection", {"id": value, "collection": value}),
            ("upvote", {"id": value}),
            ("not_interested", {"id": value}),
        ]
    calls += [
        ("search_papers", {"query": "a", "limit": 10**12}),
        ("search_papers", {"query": "a", "limit": -1}),
        ("search_papers", {"query": "a", "mode": "everything"}),
        ("search_papers", {"query": "a", "since": "2025-13-45"}),
        ("search_papers", {"query": "a", "until": "0000-00-00"}),
        ("search_papers", {"query": 12}),
        ("search_papers", {}),
        ("related_papers", {"id": "2412.07583", "limit": 10**9}),
        ("daily_papers", {"date": "2025-02-30"}),
        ("daily_papers", {"week": "9999-W53"}),
        ("daily_papers", {"week": "2025-W00"}),
        ("daily_papers", {"month": "0000-01"}),
        ("daily_papers", {"date": "2025-01-10", "week": "2025-W02"}),
        ("daily_papers", {"sort": "trending", "month": "2025-01"}),
        ("daily_papers", {"sort": "random"}),
        ("daily_papers", {"limit": 10**9}),
        ("trending", {"limit": 0}),
        ("trending", {"limit": "many"}),
        ("get_paper", {"id": ""}),
        ("get_paper", {}),
        ("collection", {"reference": "nobody/nothing"}),
        ("add_to_collection", {"id": "2412.07583", "collection": "no-such-collection"}),
        ("upvote", {"id": "9999.99999"}),
        ("not_interested", {"id": "9999.99999"}),
    ]
    return calls


def test_hostile_input_gets_clear_tool_errors(served: Served) -> None:
    calls = hostile_calls()
    token = served.tokens["bob-write"]  # every tool reachable, so the input is what fails

    async def go() -> list[tuple[str, dict[str, Any], CallToolResult]]:
        async with connect(served, token) as client:
            return [(n, a, await client.call_tool(n, a)) for n, a in calls]

    for name, arguments, result in run(go):
        said = text(result)
        where = f"{name}({str(arguments)[:80]})"
        if result.is_error:
            # A deliberate error keeps its message after the SDK's prefix; a crash would
            # leave the bare prefix.
            assert said.startswith(f"Error executing tool {name}: "), where
            assert len(said) > len(f"Error executing tool {name}: ") + 5, where
        assert "Traceback" not in said, where
    log = served.log.read_text()
    assert "Traceback" not in log and "unexpected exception" not in log
    assert httpx.get(f"{served.base}/healthz", timeout=5).status_code == 200
    # Nothing hostile was written.
    bob = served.service.accounts.user("bob")
    assert [c.slug for c in served.service.community.collections_of("bob", bob)] == ["open-shelf"]
