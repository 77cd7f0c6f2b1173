"""Admin pages: the local outbox (``mail_transport = outbox``), where a site without an SMTP
server shows the mails it would have sent, every link clickable. The service checks the user
is an admin (403 otherwise); a visitor who is not logged in is sent to the log-in page."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from paperwire.web.digest_pages import PREVIEW_CSP
from paperwire.web.forms import redirect, service_of, user_sync
from paperwire.web.rendering import render


def outbox(request: Request) -> Response:
    user = user_sync(request)
    if user is None:
        return redirect("/login?next=/admin/outbox")
    service = service_of(request)
    mails = service.outbox.latest(user)
    return render(request, "admin_outbox.html", {"mails": mails, "mode": service.digests.mail_mode})


def outbox_message(request: Request, mail_id: int) -> Response:
    user = user_sync(request)
    if user is None:
        return redirect(f"/login?next=/admin/outbox/{mail_id}")
    message = service_of(request).outbox.message(user, mail_id)
    return render(request, "admin_outbox_message.html", {"m": message})


def outbox_html(request: Request, mail_id: int) -> Response:
    """The mail's own HTML part, as a mail client would show it: inline styles, no scripts."""
    user = user_sync(request)
    if user is None:
        return redirect(f"/login?next=/admin/outbox/{mail_id}")
    message = service_of(request).outbox.message(user, mail_id)
    return HTMLResponse(
        message.html or "<p>This mail has no HTML part.</p>",
        headers={"Content-Security-Policy": PREVIEW_CSP, "Cache-Control": "no-store"},
    )
