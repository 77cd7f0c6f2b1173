"""The FastAPI application: built by ``create_app``, wired to one Service in its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from paperwire import __version__
from paperwire.errors import PaperwireError
from paperwire.secret_key import load_secret
from paperwire.service import Service, make_service
from paperwire.settings import Settings, load_settings
from paperwire.web import assistant_mount, errors, library_pages, metrics, routes
from paperwire.web.assets import ASSETS, PREFIX
from paperwire.web.rendering import templates
from paperwire.web.security import Defences

log = logging.getLogger(__name__)


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
        svc.search.warm()
        app.state.service = svc
        app.state.limiter = svc.limits  # per-address limits; the service keeps per-account ones
        jobs = svc.jobs(scheduled=run_jobs, on_run=metrics.job_ran)
        jobs.start()
        try:
            async with assistant_mount.running(
                svc, settings.public_url, settings.max_request_bytes
            ) as mcp_app:
                app.state.mcp_app = mcp_app
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
        # /docs is a page of ours (web/site_pages.py): FastAPI's loads Swagger UI from a CDN
        # with an inline script, which the CSP refuses.
        docs_url=None,
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
    # Outside the rest, so it compresses every answer (pages, feeds, JSON, static files) for
    # clients that accept gzip; small bodies are not worth it (docs/benchmarks.md: bytes saved).
    # Level 6 (zlib's default) rather than Starlette's 9: 0.1% more bytes on the home page.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(metrics.RequestMetrics)  # added last: outermost, so it times it all
    app.add_exception_handler(PaperwireError, errors.domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, errors.validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, errors.http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, errors.unexpected_error)
    app.mount(PREFIX, ASSETS, name="static")
    routes.install(app)
    # The MCP server (streamable HTTP): an ASGI endpoint of its own, out of the OpenAPI
    # document; first, so a tool call is not matched against every page's route before it.
    app.router.routes.insert(0, assistant_mount.route())
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` (several workers): settings from the environment."""
    return create_app(run_jobs=True)
