"""``/metrics``: what to watch on a running server, in Prometheus' text format
(prometheus-client). Requests by route (counts by status, latency histograms), scheduled job
runs by outcome, how far this process's search indexes lag behind the store's change
sequence, and whether it answers searches by meaning yet (its vector graph may be building).

The route answers only with ``Authorization: Bearer <metrics_token>``; with no token set it
is off (404), so a public instance shows nothing by default (docs/deploy.md).

Several workers (``paperwire serve --workers N``) share one listening socket, so a scrape
reaches one of them at random: ``serve`` then points ``PROMETHEUS_MULTIPROC_DIR`` at a folder
of its own and every worker's counters are summed there (prometheus-client's multiprocess
mode). The index state is read at scrape time by the worker that answers.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator

from fastapi import Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire.service import Service

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"  # requests no route took: one label, whatever the path

REQUESTS = Counter(
    "paperwire_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "paperwire_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOB_RUNS = Counter(
    "paperwire_job_runs",
    "Scheduled job runs in this server, by job and outcome (ok, more: a batch with work "
    "left, skipped: another process held the lease, failed).",
    ["job", "outcome"],
)


def job_ran(job: str, outcome: str) -> None:
    """The job runner's observer (service.jobs.JobRunner ``on_run``)."""
    JOB_RUNS.labels(job=job, outcome=outcome).inc()


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request under its route's template
    (``/papers/{paper_id:path}``, never the path itself, so the labels stay few)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes every handler is answered 500 by Starlette

        async def send_seen(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_seen)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            method = scope["method"]
            REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            LATENCY.labels(route=route, method=method).observe(time.perf_counter() - started)


class IndexState(Collector):
    """The change numbers this process's indexes have not applied yet, and whether it answers
    searches by meaning now, read per scrape."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag = self.service.search.lag()
        family = GaugeMetricFamily(
            "paperwire_index_lag",
            "Store changes (change sequence numbers) an index has not applied yet.",
            labels=["index"],
        )
        for index, behind in sorted(lag.items()):
            family.add_metric([index], behind)
        yield family
        yield GaugeMetricFamily(
            "paperwire_search_by_meaning_ready",
            "1 when this process answers searches by meaning; 0 while its vector graph is "
            "being built, or nothing is embedded, or the model is missing.",
            value=int(self.service.search.engine.semantic_available()),
        )


def exposition(service: Service) -> bytes:
    """Every metric, in the text format: this process's (or, in multiprocess mode, all the
    workers' summed) and the index state read now."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        counters = generate_latest(registry)
    else:
        counters = generate_latest(REGISTRY)
    now = CollectorRegistry()
    now.register(IndexState(service))
    return counters + generate_latest(now)


def metrics(request: Request) -> Response:
    token: str = request.app.state.settings.metrics_token
    if not token:
        raise HTTPException(404, "metrics are off: set metrics_token to turn them on")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(401, "metrics need the Authorization: Bearer <metrics_token> header")
    body = exposition(request.app.state.service)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
