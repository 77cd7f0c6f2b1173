"""A user's library on the site: the upload form's handler (on the account page) with its
report, and a collection as a library file (BibTeX, RIS, CSL-JSON)."""

from __future__ import annotations

import re

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from paperwire.errors import PaperwireError
from paperwire.service.library import LibraryExport
from paperwire.sources.library import LibraryFormat
from paperwire.web.feed_pages import changed
from paperwire.web.forms import read_upload, require_user, service_of, user_sync
from paperwire.web.pages import account_page
from paperwire.web.rendering import render

UPLOAD_PATH = "/account/library"  # the one route that takes a request body this large
EXTENSIONS = {"bib": LibraryFormat.BIBTEX, "ris": LibraryFormat.RIS, "json": LibraryFormat.CSL_JSON}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


async def import_library(request: Request) -> Response:
    # The session first: a visitor who is not logged in is refused before their body is read
    # (this route alone accepts a body of library_max_bytes).
    user = await require_user(request)
    form, upload = await read_upload(request, "file", "library")
    if upload is None:
        return await run_in_threadpool(_account_error, request, "choose a library file to import")
    service = service_of(request)
    try:
        name = _shown_name(upload.filename or "")
        service.library.check_size(upload.size or 0, name)
        data = await upload.read()
        report = await run_in_threadpool(
            service.library.import_file,
            user,
            data,
            name,
            form.get("collection", "").strip() or None,
        )
    except PaperwireError as exc:
        return await run_in_threadpool(_account_error, request, str(exc), exc.http_status)
    finally:
        await upload.close()
    if report.count("fetched"):
        changed(request)  # papers new to the store are on today's feed
    return render(
        request,
        "library_report.html",
        {
            "report": report,
            "not_fetched": [(e.where, f"{e.arxiv_id}: {why}") for e, why in report.not_fetched],
            "unmatched": [(e.where, e.title or e.doi) for e in report.unmatched],
            "problems": [
                (p.where, f"{p.field}: {p.reason}" if p.field else p.reason)
                for p in report.problems
            ],
        },
    )


def _shown_name(filename: str) -> str:
    """Only the file's own name (no folders), in characters a report shows as they are."""
    return _UNSAFE_NAME.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1])[:100]


def _account_error(request: Request, message: str, status: int = 400) -> Response:
    """The whole account page again, with what was wrong with the upload."""
    user = user_sync(request)
    assert user is not None  # required above
    return account_page(request, user, status_code=status, library_error=message)


def export_format(ext: str) -> LibraryFormat:
    """The library format a download's extension names; 404 for any other extension."""
    fmt = EXTENSIONS.get(ext)
    if fmt is None:
        raise HTTPException(404, f"no export as .{ext[:20]}; choose .bib, .ris or .json")
    return fmt


def library_file(found: LibraryExport) -> Response:
    """A library export as a download with a safe file name. A private list's file is its
    owner's: never kept by a shared cache."""
    filename = _UNSAFE_NAME.sub("_", found.filename)
    return Response(
        found.text,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-cache",
        },
    )


def export_collection(request: Request, username: str, slug: str, ext: str) -> Response:
    fmt = export_format(ext)
    user = user_sync(request)
    return library_file(service_of(request).library.export_collection(username, slug, user, fmt))
