"""The FastAPI application: built by ``create_app``, wired to one Service in its lifespan."""

from __future__ import annotations

import logging
import threading
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
from paperwire.service import Service, make_service
from paperwire.service.digest_job import start_digest_scheduler
from paperwire.settings import Settings, load_settings
from paperwire.web import errors, routes
from paperwire.web.rendering import templates
from paperwire.web.security import DEFAULT_LIMITS, Defences, RateLimiter, load_secret

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
INDEX_CATCH_UP_SECONDS = 30.0
EMBED_BATCH = 256


class CachedStatic(StaticFiles):
    """Static files with a long cache lifetime (their URLs carry the version)."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def _keep_index_fresh(service: Service, stop: threading.Event) -> None:
    """Background catch-up: papers imported or synced by other processes become searchable."""
    while not stop.wait(INDEX_CATCH_UP_SECONDS):
        try:
            service.index()
        except PaperwireError as exc:
            log.warning("index catch-up failed: %s", exc)


def _embed_in_background(service: Service, stop: threading.Event) -> None:
    """Embed papers that lack vectors, a batch at a time, so semantic search and related
    papers fill in while the site serves (resumable: a restart continues where it stopped)."""
    while not stop.is_set():
        try:
            report = service.embed(limit=EMBED_BATCH)
        except PaperwireError as exc:
            log.warning("background embedding stopped: %s", exc)
            return
        if report.seen == 0 and stop.wait(INDEX_CATCH_UP_SECONDS):
            return


def create_app(
    settings: Settings | None = None, service: Service | None = None, *, run_jobs: bool = False
) -> FastAPI:
    """The app; ``run_jobs`` starts the scheduled jobs (sync) as ``paperwire serve`` does."""
    settings = settings or (service.settings if service else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = service or make_service(settings)
        svc.init()
        svc.index()
        app.state.service = svc
        stop = threading.Event()
        worker = threading.Thread(target=_keep_index_fresh, args=(svc, stop), daemon=True)
        worker.start()
        # The sync timetable (docs/sync.md); a lock in the store keeps each job single
        # across workers and machines.
        scheduler = svc.sync_scheduler() if run_jobs else None
        if scheduler is not None:
            scheduler.start()
        # Digests: every few minutes, single across workers by a lock row (None: no SMTP host).
        digests = start_digest_scheduler(svc, stop) if run_jobs else None
        if run_jobs and settings.embed_in_background and svc.embedder() is not None:
            threading.Thread(target=_embed_in_background, args=(svc, stop), daemon=True).start()
        try:
            yield
        finally:
            stop.set()
            if scheduler is not None:
                scheduler.stop(timeout=5)
            if digests is not None:
                digests.join(5)
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
    app.state.limiter = RateLimiter(dict(DEFAULT_LIMITS))
    app.state.templates = templates
    app.state.secure_cookies = settings.base_url.startswith("https://")

    app.add_middleware(Defences, secure_cookies=app.state.secure_cookies)
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
