"""The MCP server: one ``MCPServer`` (the official SDK's high-level server) whose tools are
thin calls of the service's parts.

Who is calling is decided per call, never per connection, so a revoked token fails on its very
next call: over HTTP from the request's ``Authorization: Bearer`` header (web/assistant_mount.py
has refused a bad one already, with a 401), over stdio from the token ``paperwire mcp`` was
started with. No token: the public read tools only; a read token adds the owner's own
collections; a read-write token adds the write tools.

The tool table (``TOOLS``) is the registry: a tool is one method of ``PaperTools`` and one row
saying what access it needs. Errors: a ``PaperwireError`` a visitor caused (status under 500)
becomes a tool error with its message; any other failure is logged with its traceback and
the assistant reads only a generic line (the SDK's own rule for unexpected exceptions)."""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import anyio.to_thread
from mcp.server.context import CallNext, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp_types import CallToolResult, ListToolsResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from paperwire import __version__, citations, ranking
from paperwire.assistant import shapes
from paperwire.errors import NotFoundError, PaperwireError
from paperwire.models import TokenScope, User
from paperwire.service import Service
from paperwire.service.feeds import MAX_PAGE
from paperwire.service.views import PaperCard

log = logging.getLogger(__name__)

MAX_RESULTS = 50
MAX_RELATED = 50
MAX_QUERY = 500


class Access(enum.Enum):
    PUBLIC = "anyone"
    ACCOUNT = "a token (read or read-write)"
    WRITE = "a read-write token"


@dataclass(frozen=True, slots=True)
class Caller:
    user: User | None
    scope: TokenScope | None

    def allows(self, access: Access) -> bool:
        if access is Access.PUBLIC:
            return True
        if access is Access.ACCOUNT:
            return self.user is not None
        return self.user is not None and self.scope is TokenScope.READ_WRITE


ANONYMOUS = Caller(None, None)


def _answer(markdown: str, structured: BaseModel) -> CallToolResult:
    """Markdown for the assistant to read, the same answer as structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=markdown)],
        structured_content=structured.model_dump(mode="json"),
    )


def _tool_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The service's deliberate errors as tool errors with their message; a failure that is
    not the caller's (a database down: status 500 and up) as a short line without details."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PaperwireError as exc:
            if exc.http_status >= 500:
                log.error("tool %s failed: %s", fn.__name__, exc)
                raise ToolError(
                    "paperwire could not answer this right now (the server logged why); "
                    "try again in a minute"
                ) from exc
            raise ToolError(str(exc)) from exc

    return call


# Argument types, with the descriptions an assistant reads in the tool's input schema.
PaperId = Annotated[
    str,
    Field(min_length=1, max_length=100, description="arXiv id (2501.01234, hep-th/9901001)"),
]
DateText = Annotated[
    str | None,
    Field(
        None,
        max_length=10,
        pattern=r"^\d{4}(-\d{1,2}){0,2}$",
        description="YYYY, YYYY-MM or YYYY-MM-DD",
    ),
]
Limit = Annotated[int, Field(10, ge=1, le=MAX_RESULTS, description=f"1–{MAX_RESULTS}")]


class PaperTools:
    """The tools, each a thin call of one service part; ``caller`` is who asks."""

    def __init__(self, service: Service, base_url: str, local_token: str | None) -> None:
        self.service = service
        self.base_url = base_url
        self.local_token = local_token

    # -- who is asking ----------------------------------------------------------------------
    def caller(self, headers: Mapping[str, str] | None) -> Caller:
        """The caller of a request, from its HTTP headers (its bearer token), or over stdio
        (no headers) from the token the server was started with. Checked on every call."""
        if headers is not None:
            scheme, _, secret = (headers.get("authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return ANONYMOUS
        else:
            secret = self.local_token or ""
            if not secret:
                return ANONYMOUS
        found = self.service.tokens.holder(secret)
        if found is None:
            raise ToolError("the access token is not valid (revoked or mistyped); make a new one")
        user, token = found
        return Caller(user, token.scope)

    def _cards(self, cards: list[PaperCard]) -> list[shapes.PaperItem]:
        return [shapes.item(card, self.base_url) for card in cards]

    def _list(
        self, title: str, cards: list[PaperCard], total: int, at_least: bool = False
    ) -> CallToolResult:
        items = self._cards(cards)
        listing = shapes.PaperList(title=title, total=total, total_at_least=at_least, papers=items)
        return _answer(shapes.items_markdown(title, items, total, at_least), listing)

    # -- public reading ----------------------------------------------------------------------
    def search_papers(
        self,
        caller: Caller,
        query: Annotated[
            str,
            Field(
                max_length=MAX_QUERY,
                description='Words, "a phrase", and filters in the site\'s query language: '
                'author:"Ada Lovelace", cat:cs.CL, since:2025-01, until:2025-06-30',
            ),
        ] = "",
        mode: Annotated[
            Literal["hybrid", "lexical", "semantic"],
            Field(description="hybrid: keywords and meaning fused; lexical: keywords only"),
        ] = "hybrid",
        since: DateText = None,
        until: DateText = None,
        category: Annotated[
            str | None,
            Field(None, max_length=40, pattern=r"^[A-Za-z.-]+$", description="e.g. cs.CL"),
        ] = None,
        author: Annotated[str | None, Field(None, max_length=100)] = None,
        limit: Limit = 10,
    ) -> CallToolResult:
        # The separate filters join the query in its own language, as the search page does.
        extra = [f"since:{since}" if since else "", f"until:{until}" if until else ""]
        extra.append(f"cat:{category}" if category else "")
        if author and author.replace('"', "").strip():
            extra.append(f'author:"{" ".join(author.replace(chr(34), " ").split())}"')
        full = " ".join([query.strip(), *extra]).strip()
        if not full:
            raise ToolError("query: give some words or a filter (author, category, since, until)")
        response = self.service.search.search(full, mode=mode, limit=limit)
        cards = self.service.cards([r.paper for r in response.results], caller.user)
        answer = self._list(f"Search: {full}", cards, response.total, response.matches_at_least)
        if response.warnings:
            notes = "\n".join(f"> {w}" for w in response.warnings)
            first = answer.content[0]
            assert isinstance(first, TextContent)
            first.text = f"{notes}\n\n{first.text}"
        return answer

    def get_paper(self, caller: Caller, id: PaperId) -> CallToolResult:
        """The page of `/papers/{id}.md`, and the same facts as structured content."""
        paper = self.service.papers.get(id)
        card = self.service.cards([paper], caller.user)[0]
        return _answer(citations.markdown(paper, self.base_url), shapes.detail(card, self.base_url))

    def related_papers(
        self,
        caller: Caller,
        id: PaperId,
        limit: Annotated[int, Field(10, ge=1, le=MAX_RELATED)] = 10,
    ) -> CallToolResult:
        results = self.service.feeds.related(id, limit)
        cards = self.service.cards([r.paper for r in results], caller.user)
        return self._list(f"Related to {id}", cards, len(cards))

    def daily_papers(
        self,
        caller: Caller,
        date: Annotated[
            str | None, Field(None, max_length=10, description="one day, YYYY-MM-DD")
        ] = None,
        week: Annotated[
            str | None, Field(None, max_length=8, description="an ISO week, YYYY-Www")
        ] = None,
        month: Annotated[str | None, Field(None, max_length=7, description="YYYY-MM")] = None,
        sort: Annotated[
            Literal["upvotes", "trending"],
            Field(
                description="upvotes: the period's papers, most upvoted first; trending: the "
                "latest papers by time-decayed votes (takes no period)"
            ),
        ] = "upvotes",
        limit: Annotated[int, Field(20, ge=1, le=MAX_PAGE)] = 20,
    ) -> CallToolResult:
        periods = {"date": date, "week": week, "month": month}
        chosen = [name for name, value in periods.items() if value]
        if len(chosen) > 1:
            raise ToolError(f"{', '.join(chosen)}: give only one of these")
        if sort == "trending" and chosen:
            raise ToolError(f"sort: trending ranks the latest papers; leave out {chosen[0]}")
        feeds = self.service.feeds
        viewer = caller.user
        if sort == "trending":
            feed = feeds.trending(viewer=viewer, limit=limit)
        elif week:
            feed = feeds.weekly(ranking.parse_week(week), viewer=viewer, limit=limit)
        elif month:
            feed = feeds.monthly(ranking.parse_month(month), viewer=viewer, limit=limit)
        else:
            day = ranking.parse_day(date) if date else None
            feed = feeds.daily(day, viewer=viewer, limit=limit)
        return self._list(feed.title, feed.cards, feed.total)

    def trending(
        self, caller: Caller, limit: Annotated[int, Field(20, ge=1, le=MAX_PAGE)] = 20
    ) -> CallToolResult:
        feed = self.service.feeds.trending(viewer=caller.user, limit=limit)
        return self._list(feed.title, feed.cards, feed.total)

    def collection(
        self,
        caller: Caller,
        reference: Annotated[
            str,
            Field(
                min_length=3,
                max_length=130,
                description="owner/slug, as my_collections lists them; a private one only "
                "for its owner's token",
            ),
        ],
    ) -> CallToolResult:
        owner, _, slug = reference.strip().partition("/")
        if not owner or not slug:
            raise ToolError(f"reference: expected owner/slug, got {reference[:60]!r}")
        view = self.service.community.collection_page(owner, slug, caller.user)
        info = shapes.collection_info(view.collection)
        items = self._cards(view.cards)
        text = shapes.items_markdown(f"Collection {info.name} ({info.reference})", items)
        if info.description:
            text = f"{text}\n\n{' '.join(info.description.split())}"
        return _answer(text, shapes.CollectionDetail(collection=info, papers=items))

    # -- the caller's own ----------------------------------------------------------------------
    def my_collections(self, caller: Caller) -> CallToolResult:
        assert caller.user is not None  # Access.ACCOUNT
        found = self.service.community.collections_of(caller.user.username, caller.user)
        infos = [shapes.collection_info(c) for c in found]
        return _answer(
            shapes.collections_markdown(f"Collections of {caller.user.username}", infos),
            shapes.CollectionList(collections=infos),
        )

    def my_recommendations(
        self,
        caller: Caller,
        period: Annotated[
            Literal["day", "week"],
            Field("day", description="the newest listing day, or that day's week"),
        ] = "day",
        limit: Limit = 10,
    ) -> CallToolResult:
        assert caller.user is not None  # Access.ACCOUNT
        found = self.service.recommend.for_user(
            caller.user.username, week=period == "week", limit=limit
        )
        cards = self.service.cards([pick.paper for pick in found.picks], caller.user)
        when = f"week of {found.start}" if period == "week" else str(found.end)
        if found.cold:
            title = (
                f"Most upvoted papers, {when} (For you needs 3 upvoted or collected papers; "
                f"{caller.user.username} has {found.positives})"
            )
        else:
            title = f"For {caller.user.username}, {when}"
        items = self._cards(cards)
        lines = [
            f"{item.id}: {'; '.join(pick.why)}"
            for item, pick in zip(items, found.picks, strict=True)
            if pick.why
        ]
        markdown = shapes.items_markdown(title, items, len(items))
        if lines:
            markdown += "\n\nWhy:\n" + "\n".join(f"- {line}" for line in lines)
        if not items and found.muted:
            markdown += (
                f"\n\nYour muted words, authors or categories hide every paper of this period "
                f"({found.muted}); change them on your account page."
            )
        listing = shapes.PaperList(title=title, total=len(items), papers=items)
        return _answer(markdown, listing)

    def add_to_collection(
        self,
        caller: Caller,
        id: PaperId,
        collection: Annotated[
            str,
            Field(
                min_length=1,
                max_length=130,
                description="the slug of one of your collections (or owner/slug)",
            ),
        ],
    ) -> CallToolResult:
        user = caller.user
        assert user is not None  # Access.WRITE
        owner, _, slug = collection.strip().rpartition("/")
        if owner and owner.lower() != user.username.lower():
            raise ToolError("collection: you can only add to your own collections")
        community = self.service.community
        view = community.collection_page(user.username, slug, user)
        paper = self.service.papers.get(id)
        present = any(card.paper.id == paper.id for card in view.cards)
        if not present:
            community.set_in_collection(user, view.collection.id, paper.id, True)
        reference = f"{user.username}/{view.collection.slug}"
        result = shapes.Membership(collection=reference, paper=paper.id, added=not present)
        said = "added to" if not present else "was already in"
        return _answer(f"{paper.id} {said} {reference}.", result)

    def upvote(self, caller: Caller, id: PaperId) -> CallToolResult:
        user = caller.user
        assert user is not None  # Access.WRITE
        paper = self.service.papers.get(id)
        card = self.service.cards([paper], user)[0]
        changed = not card.voted
        if changed:  # the site's vote toggles; this tool only ever adds the vote
            card = self.service.community.toggle_vote(user, paper.id)
        result = shapes.VoteResult(
            id=card.paper.id, upvotes=card.upvotes, voted=card.voted, changed=changed
        )
        said = "upvoted" if changed else "was upvoted already"
        return _answer(f"{card.paper.id} {said}: {card.upvotes} upvotes.", result)

    def not_interested(self, caller: Caller, id: PaperId) -> CallToolResult:
        user = caller.user
        assert user is not None  # Access.WRITE
        paper = self.service.papers.get(id)
        changed = paper.id not in self.service.signals.of_user(user).not_interested
        if changed:
            self.service.signals.not_interested(user, paper.id)
        result = shapes.NotInterestedResult(id=paper.id, not_interested=True, changed=changed)
        said = "marked not interested" if changed else "was marked not interested already"
        return _answer(
            f"{paper.id} {said}: your For you list leaves it out and learns from it "
            "(undo on the paper's card on the site).",
            result,
        )


@dataclass(frozen=True, slots=True)
class ToolRow:
    name: str
    access: Access
    title: str
    description: str
    output: type[BaseModel]  # the structured content's model (its schema is published)
    read_only: bool = True


# The registry: one row per tool.
TOOLS: list[ToolRow] = [
    ToolRow(
        "search_papers",
        Access.PUBLIC,
        "Search papers",
        "Search the paper store by keywords and meaning, with the site's filters.",
        shapes.PaperList,
    ),
    ToolRow(
        "get_paper",
        Access.PUBLIC,
        "Get a paper",
        "One paper as markdown: title, authors, dates, categories, abstract, AI summary, "
        "upvotes, links (arXiv, PDF, code, project page).",
        shapes.PaperDetail,
    ),
    ToolRow(
        "related_papers",
        Access.PUBLIC,
        "Related papers",
        "Papers nearest in meaning (or, without embeddings, in words) to a paper.",
        shapes.PaperList,
    ),
    ToolRow(
        "daily_papers",
        Access.PUBLIC,
        "Daily papers",
        "The papers of a day, an ISO week or a month (default: the latest day), most upvoted "
        "first; or the trending list.",
        shapes.PaperList,
    ),
    ToolRow(
        "trending",
        Access.PUBLIC,
        "Trending",
        "The latest papers by time-decayed votes.",
        shapes.PaperList,
    ),
    ToolRow(
        "collection",
        Access.PUBLIC,
        "A collection",
        "The papers of a collection: any public one, or your own private one.",
        shapes.CollectionDetail,
    ),
    ToolRow(
        "my_collections",
        Access.ACCOUNT,
        "My collections",
        "Your collections (public and private), with the owner/slug the other tools take.",
        shapes.CollectionList,
    ),
    ToolRow(
        "my_recommendations",
        Access.ACCOUNT,
        "For you",
        "Your papers of the newest day or week, ranked by what you upvoted and keep in "
        "collections, with why each is there (the site's For you tab).",
        shapes.PaperList,
    ),
    ToolRow(
        "add_to_collection",
        Access.WRITE,
        "Add to a collection",
        "Add a paper to one of your collections.",
        shapes.Membership,
        read_only=False,
    ),
    ToolRow(
        "upvote",
        Access.WRITE,
        "Upvote",
        "Add your upvote to a paper (a paper you upvoted already stays upvoted).",
        shapes.VoteResult,
        read_only=False,
    ),
    ToolRow(
        "not_interested",
        Access.WRITE,
        "Not interested",
        "Mark a paper not interested: your For you list (site, digest, my_recommendations) "
        "leaves it out and ranks papers like it lower. Private to you.",
        shapes.NotInterestedResult,
        read_only=False,
    ),
]


def _registered(tools: PaperTools, row: ToolRow) -> Callable[..., Any]:
    """The tool as the SDK registers it: the method's own parameters (their types and
    descriptions become the input schema) with the caller decided and checked first."""
    import inspect

    method = getattr(tools, row.name)

    @_tool_errors
    @functools.wraps(method)
    def call(ctx: Context, **arguments: Any) -> CallToolResult:
        caller = tools.caller(ctx.headers)
        if not caller.allows(row.access):
            raise ToolError(
                f"{row.name} needs {row.access.value}: make one on your account page or "
                "with `paperwire token create`"
            )
        result: CallToolResult = method(caller, **arguments)
        return result

    signature = inspect.signature(method, eval_str=True)
    parameters = [p for name, p in signature.parameters.items() if name != "caller"]
    context = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)
    returns = Annotated[CallToolResult, row.output]  # checked against the output schema
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*parameters, context], return_annotation=returns
    )
    call.__annotations__ = {
        **{p.name: p.annotation for p in parameters},
        "ctx": Context,
        "return": returns,
    }
    del call.__wrapped__  # type: ignore[attr-defined]  # the SDK reads the signature above
    return call


def _listing_for_the_caller(tools: PaperTools) -> ServerMiddleware[Any]:
    """Middleware: `tools/list` names only the tools this caller may call (no token: the
    public ones; a read token adds `my_collections`; read-write, all). A call of a tool left
    out is still refused by the tool itself (the SDK finds every tool by name)."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        result = await call_next(ctx)
        if ctx.method != "tools/list":
            return result
        if isinstance(result, ListToolsResult):
            result = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        if not isinstance(result, dict) or not isinstance(result.get("tools"), list):
            return result
        headers = getattr(ctx.request, "headers", None)
        try:
            caller = await anyio.to_thread.run_sync(tools.caller, headers)
        except (ToolError, PaperwireError):  # revoked since it connected: what anyone sees
            caller = ANONYMOUS
        allowed = {row.name for row in TOOLS if caller.allows(row.access)}
        # The runner hands the result on as the wire's dict: tools are {"name": ...} objects.
        return {**result, "tools": [t for t in result["tools"] if t.get("name") in allowed]}

    return middleware


SURVEY = """Survey what is new on {topic} this week in the paperwire store.

1. Call daily_papers with week set to the current ISO week (or leave every period out for the
   latest day) and search_papers with query "{topic}" and since set to the Monday of this week.
2. Open the most relevant papers with get_paper.
3. Write a short survey: the main directions, one or two lines per paper with its id and link,
   and what seems most promising."""


def build_server(service: Service, *, base_url: str, local_token: str | None = None) -> MCPServer:
    """The MCP server over ``service``. ``local_token``: the token a stdio server acts with
    (None: public reading only); over HTTP each request's own bearer token counts instead."""
    tools = PaperTools(service, base_url, local_token)
    # MCPServer's constructor calls logging.basicConfig (a rich handler at INFO on the root
    # logger) when the root has no handler: every request of the whole web app would then be
    # logged through rich, which doubled a tool call's latency (docs/benchmarks.md). The
    # process's logging is not the SDK's to choose: put the root logger back as it was.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    server: MCPServer = MCPServer(
        "paperwire",
        title="paperwire",
        version=__version__,
        instructions="A research-paper store: search papers, read them, follow daily and "
        "trending papers, and (with a token) your collections and votes. Paper ids are arXiv "
        "ids; every tool answers in markdown plus structured content.",
        middleware=[_listing_for_the_caller(tools)],
    )
    root.handlers[:] = handlers
    root.setLevel(level)
    for row in TOOLS:
        access = "" if row.access is Access.PUBLIC else f" Needs {row.access.value}."
        server.add_tool(
            _registered(tools, row),
            name=row.name,
            title=row.title,
            description=row.description + access,
            annotations=ToolAnnotations(
                title=row.title,
                read_only_hint=row.read_only,
                destructive_hint=False,
                idempotent_hint=True,
                open_world_hint=False,
            ),
        )

    @server.resource(
        "paper://{id}",
        name="paper",
        title="A paper",
        description="A paper as markdown (the same as get_paper)",
        mime_type="text/markdown",
    )
    def paper_resource(id: str) -> str:
        try:
            return citations.markdown(service.papers.get(id), base_url)
        except NotFoundError as exc:
            raise ResourceNotFoundError(str(exc)) from exc
        except PaperwireError as exc:
            raise ResourceError(str(exc) if exc.http_status < 500 else "try again later") from exc

    @server.resource(
        "collection://{owner}/{slug}",
        name="collection",
        title="A public collection",
        description="A public collection's papers as markdown",
        mime_type="text/markdown",
    )
    def collection_resource(owner: str, slug: str) -> str:
        try:
            view = service.community.collection_page(owner, slug, None)
        except NotFoundError as exc:
            raise ResourceNotFoundError(str(exc)) from exc
        except PaperwireError as exc:
            raise ResourceError(str(exc) if exc.http_status < 500 else "try again later") from exc
        items = [shapes.item(card, base_url) for card in view.cards]
        found = view.collection
        return shapes.items_markdown(f"Collection {found.name} ({owner}/{slug})", items)

    @server.prompt(name="survey_week", title="Survey what is new on a topic this week")
    def survey_week(topic: str) -> str:
        return SURVEY.format(topic=" ".join(topic.split())[:200])

    return server
