"""HTML page handlers. GET handlers are plain functions (FastAPI runs them in a thread, the
service is synchronous); POST handlers read and check the form, call the service, redirect."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from paperwire import citations
from paperwire.accounts import AuthError
from paperwire.errors import AccountError, NotFoundError, PaperwireError, WaitingError
from paperwire.models import SignalKind, TokenScope, User
from paperwire.search.engine import MODES
from paperwire.service import Service
from paperwire.web.errors import error_response, wants_json
from paperwire.web.feed_pages import PAGE_SIZE, changed
from paperwire.web.forms import (
    date_param,
    int_param,
    page_number,
    read_form,
    redirect,
    require_user,
    safe_next,
    service_of,
    user_sync,
)
from paperwire.web.rendering import render
from paperwire.web.routing import paper_url
from paperwire.web.security import SESSION_COOKIE


# -- papers --------------------------------------------------------------------------------
def paper(request: Request, paper_id: str) -> Response:
    service = service_of(request)
    if paper_id.endswith(".md"):
        return PlainTextResponse(
            citations.markdown(
                service.papers.get(paper_id[:-3]), request.app.state.settings.public_url
            ),
            media_type="text/markdown; charset=utf-8",
        )
    for suffix, render_citation, media in (
        (".bib", citations.bibtex, "application/x-bibtex"),
        (".ris", citations.ris, "application/x-research-info-systems"),
    ):
        if paper_id.endswith(suffix):
            found = service.papers.get(paper_id[: -len(suffix)])
            # Only safe ASCII in the quoted filename: a quote or a line break would end it.
            filename = re.sub(r"[^A-Za-z0-9.-]", "_", found.id) + suffix
            return PlainTextResponse(
                render_citation(found),
                media_type=f"{media}; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
    viewer = user_sync(request)
    view = service.feeds.paper_page(paper_id, viewer)
    return render(request, "paper.html", {"view": view, "p": view.card.paper})


async def vote(request: Request, paper_id: str) -> Response:
    form = await read_form(request)
    user = await require_user(request)
    card = await run_in_threadpool(service_of(request).community.toggle_vote, user, paper_id)
    changed(request)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"id": card.paper.id, "upvotes": card.upvotes, "voted": card.voted})
    return redirect(safe_next(form.get("next"), paper_url(card.paper.id)))


async def not_interested(request: Request, paper_id: str) -> Response:
    """Mark a paper "not interested" for the user's For you list (``undo``: unmark it).
    Without JavaScript, back to ``next`` (the card, or For you saying what it hid)."""
    form = await read_form(request)
    user = await require_user(request)
    undo = form.get("undo") == "1"
    signals = service_of(request).signals
    change = signals.undo_not_interested if undo else signals.not_interested
    found = await run_in_threadpool(change, user, paper_id)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"id": found.id, "not_interested": not undo})
    return redirect(safe_next(form.get("next"), paper_url(found.id)))


async def comment(request: Request, paper_id: str) -> Response:
    form = await read_form(request, "comment")
    user = await require_user(request)
    service = service_of(request)
    try:
        comment_id = await run_in_threadpool(
            service.community.add_comment, user, paper_id, form.get("body", "")
        )
    except AccountError as exc:  # empty or too long
        # Shown under the comment box, with what was typed, on the paper's own page.
        view = await run_in_threadpool(service.feeds.paper_page, paper_id, user)
        return render(
            request,
            "paper.html",
            {
                "view": view,
                "p": view.card.paper,
                "comment_error": str(exc),
                "comment_body": form.get("body", ""),
            },
            status_code=400,
        )
    changed(request)
    found = await run_in_threadpool(service.papers.get, paper_id)
    return redirect(paper_url(found.id, f"#comment-{comment_id}"))


# What a comment's form changes: the service call, given the user, the comment id and the form.
CommentChange = Callable[[Service, User, int, dict[str, str]], None]


async def _change_comment(request: Request, comment_id: int, change: CommentChange) -> Response:
    form = await read_form(request)
    user = await require_user(request)
    service = service_of(request)
    # Its paper, to return to (and a 404 for a comment that is gone).
    found = await run_in_threadpool(service.community.comment, comment_id)
    await run_in_threadpool(change, service, user, comment_id, form)
    changed(request)
    return redirect(paper_url(found.paper_id, "#comments"))


async def edit_comment(request: Request, comment_id: int) -> Response:
    return await _change_comment(
        request,
        comment_id,
        lambda s, user, i, form: s.community.edit_comment(user, i, form.get("body", "")),
    )


async def delete_comment(request: Request, comment_id: int) -> Response:
    return await _change_comment(
        request, comment_id, lambda s, user, i, _: s.community.delete_comment(user, i)
    )


async def hide_comment(request: Request, comment_id: int) -> Response:
    return await _change_comment(
        request, comment_id, lambda s, user, i, _: s.community.hide_comment(user, i)
    )


async def show_comment(request: Request, comment_id: int) -> Response:
    return await _change_comment(
        request, comment_id, lambda s, user, i, _: s.community.hide_comment(user, i, False)
    )


async def collect(request: Request, paper_id: str) -> Response:
    """Add the paper to, or remove it from, one of the user's collections; or make a new one."""
    form = await read_form(request)
    user = await require_user(request)
    service = service_of(request)
    if form.get("new_name", "").strip():
        created = await run_in_threadpool(
            service.community.create_collection,
            user,
            form["new_name"],
            "",
            form.get("public") == "on",
        )
        collection_id = created.id
        member = True
    else:
        if not form.get("collection"):
            raise HTTPException(400, "collection: choose a collection, or name a new one")
        collection_id = int_param(form.get("collection"), "collection", 0, 1, 2**31)
        member = form.get("member") == "1"
    await run_in_threadpool(
        service.community.set_in_collection, user, collection_id, paper_id, member
    )
    found = await run_in_threadpool(service.papers.get, paper_id)
    return redirect(paper_url(found.id, "#collections"))


# -- search --------------------------------------------------------------------------------
def search(request: Request) -> Response:
    params = request.query_params
    text = params.get("q", "").strip()
    mode = params.get("mode", "hybrid")
    if mode not in MODES:
        raise HTTPException(400, f"mode: use one of {', '.join(MODES)}")
    sort = params.get("sort", "relevance")
    # Form fields for filters are added to the query in the query language.
    extra = []
    for field in ("since", "until"):
        if params.get(field):
            extra.append(f"{field}:{date_param(params.get(field), field)}")
    if params.get("cat", "").strip():
        extra.append(f"cat:{params['cat'].strip().split()[0]}")
    full = " ".join([text, *extra]).strip()
    page = page_number(params.get("p"))
    context: dict[str, object] = {
        "q": text,
        "mode": mode,
        "sort": sort,
        "params": params,
        "page": page,
        "full_query": full,
    }
    if full:
        service = service_of(request)
        try:
            response = service.search.search(
                full,
                mode=mode,
                limit=PAGE_SIZE,
                offset=page * PAGE_SIZE,
                sort=sort,
                spell=params.get("exact") != "1",
            )
        except PaperwireError as exc:
            if wants_json(request):
                return error_response(request, 400, str(exc))
            # A person sees the message next to the query they can fix.
            context["error"] = str(exc)
            return render(request, "search.html", context, status_code=400)
        cards = service.cards([r.paper for r in response.results], user_sync(request))
        context.update(
            response=response,
            results=list(zip(response.results, cards, strict=True)),
            pages=max(1, -(-response.total // PAGE_SIZE)),
        )
    return render(request, "search.html", context)


# -- accounts ------------------------------------------------------------------------------
def _login_cookie(response: Response, request: Request, token: str) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookies,
        max_age=int(timedelta(days=request.app.state.settings.session_days).total_seconds()),
    )
    return response


def signup_form(request: Request) -> HTMLResponse:
    return render(
        request, "signup.html", {"next": safe_next(request.query_params.get("next"), "/")}
    )


async def signup(request: Request) -> Response:
    form = await read_form(request, "signup")
    service = service_of(request)
    values = {k: form.get(k, "") for k in ("username", "email", "next")}
    try:
        await run_in_threadpool(
            service.accounts.sign_up,
            form.get("username", ""),
            form.get("email") or None,
            form.get("password", ""),
        )
        _user, token = await run_in_threadpool(
            service.accounts.log_in, form.get("username", ""), form.get("password", "")
        )
    except PaperwireError as exc:
        return render(request, "signup.html", {"error": str(exc), **values}, status_code=400)
    return _login_cookie(redirect(safe_next(form.get("next"), "/")), request, token)


def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next"), "/")})


async def login(request: Request) -> Response:
    form = await read_form(request, "login")
    try:
        _, token = await run_in_threadpool(
            service_of(request).accounts.log_in, form.get("username", ""), form.get("password", "")
        )
    except AuthError as exc:
        return render(
            request,
            "login.html",
            {
                "error": str(exc),
                "username": form.get("username", ""),
                "next": form.get("next", "/"),
            },
            status_code=403,
        )
    return _login_cookie(redirect(safe_next(form.get("next"), "/")), request, token)


async def logout(request: Request) -> Response:
    await read_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(service_of(request).accounts.log_out, token)
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


def account(request: Request) -> Response:
    user = user_sync(request)
    if user is None:
        return redirect("/login?next=/account")
    return account_page(request, user, message=request.query_params.get("done"))


def account_page(
    request: Request, user: User, *, status_code: int = 200, **extra: object
) -> Response:
    service = service_of(request)
    hidden, hidden_total = service.signals.not_interested_papers(user)
    context = {
        "signals": service.signals.of_user(user),
        "signal_kinds": list(SignalKind),
        "hidden_papers": hidden,
        "hidden_total": hidden_total,
        "collections": service.community.collections_of(user.username, user),
        "tokens": service.tokens.of_user(user),
        "scopes": list(TokenScope),
        **extra,
    }
    return render(request, "account.html", context, status_code=status_code)


async def create_token(request: Request) -> Response:
    """A new personal access token, shown on the page this once (never in a URL or a
    redirect: the answer to this POST is the only place it appears)."""
    form = await read_form(request)
    user = await require_user(request)
    try:
        scope = TokenScope(form.get("scope", ""))
    except ValueError:
        scope = None
    try:
        if scope is None:
            raise AccountError(f"scope: choose one of {', '.join(TokenScope)}")
        token, secret = await run_in_threadpool(
            service_of(request).tokens.create, user, form.get("name", ""), scope
        )
    except PaperwireError as exc:
        message = str(exc)
        return await run_in_threadpool(
            lambda: account_page(request, user, status_code=400, error=message)
        )
    return await run_in_threadpool(
        lambda: account_page(request, user, new_token=secret, new_token_name=token.name)
    )


def _signal_kind(form: dict[str, str]) -> SignalKind:
    try:
        return SignalKind(form.get("kind", ""))
    except ValueError:
        raise AccountError(f"kind: choose one of {', '.join(SignalKind)}") from None


async def add_signal(request: Request) -> Response:
    """Add a mute or an author name of the user's ("this is me", from an author page too)."""
    form = await read_form(request)
    user = await require_user(request)
    try:
        kind = _signal_kind(form)
        await run_in_threadpool(service_of(request).signals.add, user, kind, form.get("term", ""))
    except PaperwireError as exc:
        if exc.http_status != 400:
            raise
        message = str(exc)
        return await run_in_threadpool(
            lambda: account_page(request, user, status_code=400, error=message)
        )
    return redirect("/account?done=signal#signals")


async def remove_signal(request: Request) -> Response:
    form = await read_form(request)
    user = await require_user(request)
    try:
        kind = _signal_kind(form)
    except AccountError as exc:
        raise HTTPException(400, str(exc)) from None
    await run_in_threadpool(service_of(request).signals.remove, user, kind, form.get("term", ""))
    return redirect("/account?done=signal-removed#signals")


async def revoke_token(request: Request, token_id: int) -> Response:
    await read_form(request)
    user = await require_user(request)
    await run_in_threadpool(service_of(request).tokens.revoke, user, token_id)
    return redirect("/account?done=revoked#tokens")


async def change_password(request: Request) -> Response:
    form = await read_form(request, "login")
    user = await require_user(request)
    try:
        await run_in_threadpool(
            service_of(request).accounts.change_password,
            user,
            form.get("old", ""),
            form.get("new", ""),
            request.cookies.get(SESSION_COOKIE),
        )
    except PaperwireError as exc:
        message = str(exc)
        return await run_in_threadpool(
            lambda: account_page(request, user, status_code=400, error=message)
        )
    return redirect("/account?done=password")


async def delete_account(request: Request) -> Response:
    form = await read_form(request, "login")
    user = await require_user(request)
    try:
        await run_in_threadpool(
            service_of(request).accounts.delete_account, user, form.get("password", "")
        )
    except PaperwireError as exc:
        message = str(exc)
        return await run_in_threadpool(
            lambda: account_page(request, user, status_code=400, error=message)
        )
    changed(request)  # their votes and comments are gone
    # No longer logged in, so this page is the last thing the account sees.
    request.state.user = None
    response = render(
        request,
        "digest_message.html",  # the site's one plain message page
        {
            "title": "Your account is deleted",
            "message": f"The account {user.username} and its votes, comments, collections "
            "and For you signals are gone, and you are logged out.",
        },
    )
    response.delete_cookie(SESSION_COOKIE)
    return response


# -- submissions and collections -------------------------------------------------------------
def submit_form(request: Request) -> Response:
    user = user_sync(request)
    if user is None:
        return redirect("/login?next=/submit")
    waiting = service_of(request).community.waiting(user)
    return render(request, "submit.html", {"waiting": waiting})


async def submit(request: Request) -> Response:
    form = await read_form(request, "submit")
    user = await require_user(request)
    community = service_of(request).community
    try:
        found = await run_in_threadpool(community.submit_paper, user, form.get("paper", ""))
    except WaitingError as exc:  # kept: fetched and submitted once arXiv answers
        waiting = await run_in_threadpool(community.waiting, user)
        return render(
            request,
            "submit.html",
            {"notice": str(exc), "waiting": waiting},
            status_code=exc.http_status,
        )
    except PaperwireError as exc:
        return render(
            request,
            "submit.html",
            {"error": str(exc), "value": form.get("paper", "")},
            status_code=400 if "offline" not in str(exc) else 503,
        )
    changed(request)
    if found.already:
        # Said on the form, with a link, rather than a silent redirect to the paper.
        return render(request, "submit.html", {"already": found.already, "paper": found.paper})
    return redirect(paper_url(found.paper.id))


async def remove_submission(request: Request, paper_id: str) -> Response:
    await read_form(request)
    user = await require_user(request)
    await run_in_threadpool(service_of(request).community.remove_submission, user, paper_id)
    changed(request)
    return redirect(paper_url(paper_id))


def profile(request: Request, username: str) -> HTMLResponse:
    viewer = user_sync(request)
    service = service_of(request)
    feed = service.feeds.submitted_by(username, viewer=viewer, limit=PAGE_SIZE)
    try:
        collections = service.community.collections_of(username, viewer)
    except NotFoundError:
        # Cards link "submitted by" to this page, and most submitters are Hugging Face users
        # with no account here: show what they submitted; 404 only for a name with nothing.
        if not feed.cards:
            raise
        collections = []
    return render(
        request, "profile.html", {"owner": username, "collections": collections, "feed": feed}
    )


def collection(request: Request, username: str, slug: str) -> HTMLResponse:
    view = service_of(request).community.collection_page(username, slug, user_sync(request))
    return render(request, "collection.html", {"view": view, "c": view.collection})


async def create_collection(request: Request) -> Response:
    form = await read_form(request)
    user = await require_user(request)
    created = await run_in_threadpool(
        service_of(request).community.create_collection,
        user,
        form.get("name", ""),
        form.get("description", ""),
        form.get("public") == "on",
    )
    return redirect(f"/u/{user.username}/c/{created.slug}")


async def edit_collection(request: Request, username: str, slug: str) -> Response:
    form = await read_form(request)
    user = await require_user(request)
    service = service_of(request)
    view = await run_in_threadpool(service.community.collection_page, username, slug, user)
    if form.get("delete") == "1":
        await run_in_threadpool(service.community.delete_collection, user, view.collection.id)
        return redirect("/account")
    await run_in_threadpool(
        lambda: service.community.update_collection(
            user,
            view.collection.id,
            name=form.get("name", ""),
            description=form.get("description", ""),
            public=form.get("public") == "on",
        )
    )
    return redirect(f"/u/{username}/c/{slug}")


def healthz(request: Request) -> JSONResponse:
    # Cheap on purpose (load balancers call it every few seconds): one indexed query proves
    # the store answers; stats() would count every paper.
    newest = service_of(request).feeds.newest_day()
    return JSONResponse({"ok": True, "newest_day": newest.isoformat() if newest else None})
