"""The FastAPI application: built by ``create_app``, wired to one Service in its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from paperwire import __version__
from paperwire.errors import PaperwireError
from paperwire.secret_key import load_secret
from paperwire.service import Service, make_service
from paperwire.settings import Settings, load_settings
from paperwire.web import errors, library_pages, metrics, routes
from paperwire.web.rendering import templates
from paperwire.web.security import Defences

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


class CachedStatic(StaticFiles):
    """Static files with a long cache lifetime (their URLs carry the version)."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def create_app(
    settings: Settings | None = None, service: Service | None = None, *, run_jobs: bool = False
) -> FastAPI:
    """The app; ``run_jobs`` starts the scheduled jobs (service/jobs.py) as ``paperwire
    serve`` does. Without it only the index catch-up runs. The store must be migrated
    already (`paperwire init` or `serve --migrate`)."""
    settings = settings or (service.settings if service else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service or make_service(settings)
        svc.check_schema()
        svc.search.open_index()
        app.state.service = svc
        app.state.limiter = svc.limits  # per-address limits; the service keeps per-account ones
        jobs = svc.jobs(scheduled=run_jobs, on_run=metrics.job_ran)
        jobs.start()
        try:
            yield
        finally:
            jobs.stop(timeout=5)
            if service is None:
                svc.close()

    app = FastAPI(
        title="paperwire",
        version=__version__,
        description="Research-paper discovery: daily and trending papers, search, community. "
        "The `/api/` routes speak the Hugging Face Papers API shapes.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.secret = load_secret(settings.secret_key, settings.data_dir)
    app.state.templates = templates
    app.state.secure_cookies = settings.public_url.startswith("https://")

    app.add_middleware(
        Defences,
        https=app.state.secure_cookies,
        max_body_bytes=settings.max_request_bytes,
        # The file, and room for the form's other fields and the multipart framing.
        upload_bytes={library_pages.UPLOAD_PATH: settings.library_max_bytes + 64 * 1024},
    )
    app.add_middleware(metrics.RequestMetrics)  # added last: outermost, so it times it all
    app.add_exception_handler(PaperwireError, errors.domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, errors.validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, errors.http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, errors.unexpected_error)
    app.mount("/static", CachedStatic(directory=STATIC), name="static")
    routes.install(app)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` (several workers): settings from the environment."""
    return create_app(run_jobs=True)
