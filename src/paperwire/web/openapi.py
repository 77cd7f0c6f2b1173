"""What the OpenAPI document says each JSON route answers, from one table of error statuses.

Every error the API gives has the same body (``web/errors.py``): ``{"error": message,
"status": code}``. A route names the statuses it can answer (``Route.errors``); the document
lists exactly those. FastAPI adds a 422 to every route with parameters, but this app answers
validation errors with 400 (``web/errors.validation_error``), so the document drops it: a
client reading the schema must not expect a status it never gets."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
    "required": ["error", "status"],
}

# Why each status is answered; a route's own list picks from these.
ERROR_STATUSES: dict[int, str] = {
    400: "A parameter or the body is invalid; the message names it.",
    401: "No valid bearer token (POST /api/login gives one), or a wrong username or password.",
    404: "No such paper, collection or user (a private collection looks like a missing one).",
    405: "The path takes another method; the Allow header names it.",
    413: "The request body is larger than the server accepts.",
    429: "Too many requests from this client; the Retry-After header says when to try again.",
    503: "The database is unavailable (or needs `paperwire init`); try again in a moment.",
}

# Every route reads the database and validates its parameters.
COMMON = (400, 503)


def responses(statuses: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route answering ``statuses`` (with 400 and 503, which every
    JSON route can answer)."""
    return {
        status: {
            "description": ERROR_STATUSES[status],
            "content": {"application/json": {"schema": ERROR_BODY}},
        }
        for status in sorted({*COMMON, *statuses})
    }


def without_unanswered_422(app: FastAPI) -> None:
    """Make ``app.openapi()`` leave out FastAPI's automatic 422 (FastAPI's documented way
    to change the generated document is to replace ``app.openapi``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            components = schema.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                components.pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
