"""Subscription and digest pages: subscribe (no account needed), confirm, unsubscribe,
preferences, preview and the private RSS feed of a subscription.

Every page after the subscribe form is opened from a link in a mail and authorised by the
signed token in its query (``digest.tokens``), not by a log-in. Pages that change something
show a button first and change it on POST, so a mail scanner that follows links never confirms
or unsubscribes anyone.

The one POST without a CSRF token is the RFC 8058 one-click unsubscribe: mail providers send
``List-Unsubscribe=One-Click`` to the URL of the ``List-Unsubscribe`` header from their own
servers, with no cookie and no form token to give. It is safe because the signed token in the
URL is the authorisation: a forged cross-site POST can only unsubscribe the subscription whose
token the forger already has, which is exactly what that token allows anyway.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from paperwire.digest.model import FOR_YOU, FREQUENCIES, KINDS
from paperwire.errors import (
    ExpiredTokenError,
    NotFoundError,
    PaperwireError,
    RateLimitedError,
    TokenError,
)
from paperwire.web.forms import int_param, read_form, redirect, service_of, user_sync
from paperwire.web.rendering import render
from paperwire.web.syndication import RSS_TYPE, Channel, rss

# The preview shows the mail's own HTML: inline styles, nothing else (no scripts, no requests).
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'"
)
KIND_LABELS = {
    "trending": "Trending papers",
    "topic": "A topic (search words)",
    "author": "An author",
    "category": "An arXiv category",
    "collection": "A public collection (owner/slug)",
    "for_you": "For you (your own ranking; signed in)",
}


@cache
def zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


def _token(request: Request) -> str:
    return request.query_params.get("token", "")


def _choices(*, signed_in: bool = True, **extra: object) -> dict[str, object]:
    return {
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS if signed_in or k != FOR_YOU],
        "frequencies": FREQUENCIES,
        "zones": zones(),
        "hours": range(24),
        **extra,
    }


def _message(
    request: Request, title: str, message: str, status: int = 200, **extra: object
) -> HTMLResponse:
    return render(
        request,
        "digest_message.html",
        {"title": title, "message": message, **extra},
        status_code=status,
    )


def _bad_link(request: Request, exc: TokenError) -> HTMLResponse:
    if isinstance(exc, ExpiredTokenError):
        return _message(
            request,
            "This link has expired",
            "Confirmation links work for 7 days. Subscribe again and a new link will be sent; "
            "nothing was changed.",
            410,
            subscribe=True,
        )
    return _message(request, "This link does not work", f"{exc}. Nothing was changed.", 400)


# -- subscribe ----------------------------------------------------------------------------------
def subscribe_form(request: Request) -> HTMLResponse:
    params = request.query_params
    user = user_sync(request)
    kind = params.get("kind", "trending")
    values = {
        "email": (user.email if user and user.email else ""),
        "kind": kind if kind in KINDS else "trending",
        "value": params.get("value", "")[:300],
        "frequency": "daily",
        "timezone": "UTC",
        "send_hour": 7,
    }
    mode = service_of(request).digests.mail_mode
    return render(
        request,
        "subscribe.html",
        _choices(
            values=values,
            done=params.get("done") == "1",
            mail_mode=mode,
            signed_in=user is not None,
        ),
    )


async def subscribe(request: Request) -> Response:
    form = await read_form(request, "subscribe")  # CSRF, and the per-IP limit
    service = service_of(request)
    user = await run_in_threadpool(user_sync, request)
    values = {
        "email": form.get("email", "")[:400],
        "kind": form.get("kind", ""),
        "value": form.get("value", "")[:400],
        "frequency": form.get("frequency", "daily"),
        "timezone": form.get("timezone", "UTC"),
        "send_hour": form.get("send_hour", "7"),
    }
    mode = service.digests.mail_mode
    if mode == "none":
        # Nothing could ever confirm it: record nothing and say why (the page says it too).
        return render(
            request,
            "subscribe.html",
            _choices(values=values, mail_mode=mode, signed_in=user is not None),
            status_code=503,
        )
    try:
        hour = int_param(values["send_hour"], "send hour", 7, 0, 23)
        await run_in_threadpool(
            lambda: service.digests.subscribe(
                values["email"],
                values["kind"],
                values["value"],
                frequency=values["frequency"],
                timezone=values["timezone"],
                send_hour=hour,
                user=user,
            )
        )
    except (PaperwireError, HTTPException) as exc:
        status = 429 if isinstance(exc, RateLimitedError) else 400
        message = exc.detail if isinstance(exc, HTTPException) else str(exc)
        return render(
            request,
            "subscribe.html",
            _choices(values=values, error=message, mail_mode=mode, signed_in=user is not None),
            status_code=status,
        )
    # The same answer whether the address was new, pending or already subscribed.
    return redirect("/subscribe?done=1")


# -- confirm -----------------------------------------------------------------------------------
def confirm_page(request: Request) -> HTMLResponse:
    token = _token(request)
    try:
        state = service_of(request).digests.confirm_state(token)
    except TokenError as exc:
        return _bad_link(request, exc)
    return render(request, "digest_confirm.html", {"state": state, "token": token})


async def confirm(request: Request) -> Response:
    await read_form(request)
    token = _token(request)
    try:
        state = await run_in_threadpool(service_of(request).digests.confirm, token)
    except TokenError as exc:
        return _bad_link(request, exc)
    if state.state == "missing":
        return _message(
            request,
            "Nothing to confirm",
            "This subscription was removed before it was confirmed. Subscribe again if you "
            "want it.",
            404,
            subscribe=True,
        )
    return redirect(f"/digest/preferences?token={state.manage_token}&done={state.state}")


# -- unsubscribe -------------------------------------------------------------------------------
def unsubscribe_page(request: Request) -> HTMLResponse:
    token = _token(request)
    if not token:
        return render(request, "digest_unsubscribe.html", {"state": None, "token": ""})
    try:
        state = service_of(request).digests.unsubscribe_state(token)
    except TokenError as exc:
        return _bad_link(request, exc)
    return render(request, "digest_unsubscribe.html", {"state": state, "token": token})


async def unsubscribe(request: Request) -> Response:
    """RFC 8058 one-click, and the button on the page (see the module docstring on CSRF)."""
    await request.form()  # "List-Unsubscribe=One-Click"; nothing else is needed
    token = _token(request)
    if not token:
        raise HTTPException(400, "this unsubscribe link is incomplete; use the link from the mail")
    try:
        state = await run_in_threadpool(service_of(request).digests.unsubscribe, token)
    except TokenError as exc:
        return _bad_link(request, exc)
    return render(request, "digest_unsubscribe.html", {"state": state, "token": "", "done": True})


async def manage_link(request: Request) -> Response:
    form = await read_form(request, "subscribe")
    try:
        await run_in_threadpool(
            service_of(request).digests.request_manage_link, form.get("email", "")[:400]
        )
    except PaperwireError as exc:
        return render(
            request,
            "digest_unsubscribe.html",
            {"state": None, "token": "", "error": str(exc), "email": form.get("email", "")[:400]},
            status_code=400,
        )
    mode = service_of(request).digests.mail_mode
    if mode == "none":
        return _message(
            request,
            "No mail can be sent",
            "This site cannot send e-mail (no mail server is configured), so no link was sent. "
            "Nothing was changed.",
            503,
        )
    where = "in this site's outbox (/admin/outbox)" if mode == "outbox" else "on its way"
    return _message(
        request,
        "Check your inbox" if mode == "smtp" else "Look in the outbox",
        f"If that address has subscriptions here, a link to change or end them is {where}. "
        "Nothing else was changed.",
    )


# -- preferences -------------------------------------------------------------------------------
def preferences_page(request: Request) -> HTMLResponse:
    token = _token(request)
    try:
        prefs = service_of(request).digests.preferences(token)
    except TokenError as exc:
        return _bad_link(request, exc)
    return render(
        request,
        "digest_preferences.html",
        _choices(prefs=prefs, token=token, done=request.query_params.get("done")),
    )


async def preferences_update(request: Request) -> Response:
    form = await read_form(request)
    token = _token(request)
    service = service_of(request)
    action = form.get("action", "")
    try:
        if action == "change":
            sub_id = int_param(form.get("subscription"), "subscription", 0, 1, 2**31)
            await run_in_threadpool(
                lambda: service.digests.change_subscription(
                    token,
                    sub_id,
                    frequency=form.get("frequency", "daily"),
                    send_hour=int_param(form.get("send_hour"), "send hour", 7, 0, 23),
                    top_n=int_param(form.get("top_n"), "papers per digest", 10, 1, 50),
                    paused=form.get("paused") == "on",
                )
            )
        elif action == "delete":
            sub_id = int_param(form.get("subscription"), "subscription", 0, 1, 2**31)
            await run_in_threadpool(service.digests.delete_subscription, token, sub_id)
        elif action == "add":
            await run_in_threadpool(
                lambda: service.digests.add_subscription(
                    token,
                    form.get("kind", ""),
                    form.get("value", "")[:400],
                    frequency=form.get("frequency", "daily"),
                    send_hour=int_param(form.get("send_hour"), "send hour", 7, 0, 23),
                )
            )
        elif action == "timezone":
            await run_in_threadpool(
                service.digests.set_digest_timezone, token, form.get("timezone", "")
            )
        elif action == "unsubscribe_all":
            await run_in_threadpool(service.digests.unsubscribe_everything, token)
            return _message(
                request,
                "Unsubscribed",
                "This address gets no more digests from paperwire. Subscribing again needs a new "
                "confirmation.",
                subscribe=True,
            )
        else:
            raise HTTPException(400, "unknown action")
    except TokenError as exc:
        return _bad_link(request, exc)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except PaperwireError as exc:
        prefs = await run_in_threadpool(service.digests.preferences, token)
        return render(
            request,
            "digest_preferences.html",
            _choices(prefs=prefs, token=token, error=str(exc)),
            status_code=400,
        )
    return redirect(f"/digest/preferences?token={token}&done={action}")


def preview(request: Request, subscription_id: int) -> Response:
    try:
        mail = service_of(request).digests.preview(subscription_id, _token(request))
    except TokenError as exc:
        return _bad_link(request, exc)
    if request.query_params.get("format") == "text":
        return PlainTextResponse(mail.text)
    return HTMLResponse(
        mail.html,
        headers={"Content-Security-Policy": PREVIEW_CSP, "Cache-Control": "no-store"},
    )


def feed(request: Request, token: str) -> Response:
    """The private RSS feed of one subscription (its URL is the secret)."""
    try:
        sub, items = service_of(request).digests.subscription_feed(token)
    except TokenError:
        raise HTTPException(404, "there is no feed at this address") from None
    base = request.app.state.settings.public_url
    channel = Channel(
        title=f"paperwire: {sub.describe()}",
        description=f"What your {sub.frequency} paperwire digest follows: {sub.describe()}",
        page="/",
        papers=[item.paper for item in items],
    )
    body = rss(channel, base, f"{base}/digest/feed/{token}.xml")
    return Response(
        body,
        media_type=RSS_TYPE,
        headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
    )
