"""The OpenAPI document tells the truth: schemathesis generates requests for every documented
operation (valid and invalid ones), sends them to the app in process, and fails on any 5xx or
any status the document does not list for that operation.

Bounded: a fixed, small number of examples per operation and Hypothesis derandomized (the
same requests every run), a few seconds per database."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schema_runs import RUNS, check_answers
from schemathesis.generation.modes import GenerationMode

EXAMPLES_PER_OPERATION = 25


@pytest.mark.parametrize(("method", "path", "mode"), RUNS)
def test_every_answer_is_documented_and_none_is_a_server_error(
    client: TestClient, method: str, path: str, mode: GenerationMode
) -> None:
    # The module's app, its lifespan already run by the ``client`` fixture; the login limit
    # starts afresh so that a 429 is one this run earned.
    client.app.state.limiter.reset()  # type: ignore[attr-defined]
    operation = schemathesis.openapi.from_asgi("/openapi.json", client.app)[path][method]
    check_answers(operation, mode, EXAMPLES_PER_OPERATION)


def test_the_document_lists_no_status_the_app_never_answers(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)  # it answers 400
            assert {"200", "400", "503"} <= set(operation["responses"]), (method, path)
    vote = document["paths"]["/api/papers/{paper_id}/vote"]["post"]["responses"]
    assert {"401", "404", "429"} <= set(vote)


def test_get_on_a_post_only_path_is_405(client: TestClient) -> None:
    response = client.get("/api/papers/0/vote")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert client.get("/api/papers/2608.19880/vote").status_code == 405
