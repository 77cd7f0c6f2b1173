"""The schemathesis runs that the in-process (test_schema.py) and the live-server
(test_live_server.py) tests share: which operations, in which generation modes, and the one
bounded Hypothesis run that checks each answer."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import status_code_conformance

from paperwire.web import api

# Every documented operation, from the route table (the document's own source).
OPERATIONS = [
    (method, route.path.replace(":path}", "}"))
    for route in api.ROUTES
    if route.api
    for method in route.methods
]

# Operations whose only inputs are free strings (path segments) have no invalid requests
# to generate; every other one is also sent requests that break its schema.
UNCONSTRAINED = {
    ("GET", "/api/papers/{paper_id}"),
    ("POST", "/api/papers/{paper_id}/vote"),
    ("GET", "/api/collections/{username}/{slug}"),
}
RUNS = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or (method, path) not in UNCONSTRAINED
]


def check_answers(operation: Any, mode: GenerationMode, examples: int, **call: Any) -> None:
    """Send ``examples`` generated requests (the same ones every run) for ``operation``;
    fail on any 5xx or any status the document does not list for it. ``call``: passed to
    schemathesis' ``call_and_validate`` (``base_url`` for a live server)."""

    @settings(
        max_examples=examples,
        derandomize=True,  # the same requests every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers(case: Any) -> None:
        case.call_and_validate(checks=[not_a_server_error, status_code_conformance], **call)

    answers()
