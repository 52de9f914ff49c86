"""How errors are answered: JSON bodies with a human ``detail``, never a stack trace, and the
request's ``request_id`` (also in the ``X-Request-ID`` header), so a client can quote it.

Under ``/v2`` (the Open Inference Protocol) the protocol's shape ``{"error": "..."}`` is used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from app.core.request_id import HEADER, current_request_id

log = logging.getLogger("app")

# FastAPI's words for a body its JSON parser gives up on (not a syntax error: those are 422s).
_UNPARSABLE = "There was an error parsing the body"

OPEN_INFERENCE_PREFIX = "/v2"


def error_field(path: str) -> str:
    """The key of an error body's message: the Open Inference Protocol names it ``error``."""
    if path == OPEN_INFERENCE_PREFIX or path.startswith(OPEN_INFERENCE_PREFIX + "/"):
        return "error"
    return "detail"


RETRY_AFTER_S = 1


class RetryLater(HTTPException):
    """A request the service cannot take now but may soon. ``overloaded`` tells a full queue
    from a service that is loading, stopping or past a deadline: HTTP answers both with 503,
    gRPC with RESOURCE_EXHAUSTED and UNAVAILABLE."""

    def __init__(self, status_code: int, detail: str, overloaded: bool = False) -> None:
        super().__init__(status_code, detail, headers={"Retry-After": str(RETRY_AFTER_S)})
        self.overloaded = overloaded


async def send_retry_later(scope: Scope, send: Send, message: str, close: bool = False) -> None:
    """A JSON 503 with Retry-After sent straight through ASGI, for answers given outside the
    routes (before the body is read, on a cancelled request, beyond the connection limit);
    ``close`` asks the server to close the connection after it."""
    payload = {error_field(scope["path"]): message, "request_id": current_request_id()}
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_S).encode()),
        *([(b"connection", b"close")] if close else []),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def retry_later(
    detail: str, status_code: int = status.HTTP_503_SERVICE_UNAVAILABLE, overloaded: bool = False
) -> RetryLater:
    """The answer to a request the service cannot take now but may soon: busy, loading,
    shutting down, or past its deadline. Clients retry after a second."""
    return RetryLater(status_code, detail, overloaded)


def error_response(
    request: Request,
    status_code: int,
    content: dict[str, Any],
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An error answer: ``content`` with the request's ID in the body and the header. The ID is
    read from the request's state, which the 500 handler (run outside the middleware that set
    the ID) still sees."""
    request_id = getattr(request.state, "request_id", None)
    if request_id is None:
        return JSONResponse(content, status_code=status_code, headers=headers)
    return JSONResponse(
        {**content, "request_id": request_id},
        status_code=status_code,
        headers={**(headers or {}), HEADER: request_id},
    )


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """HTTP errors as JSON ``{"detail": ...}``, with FastAPI's vague parse error made precise."""
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail
    if error.status_code == 400 and detail == _UNPARSABLE:
        detail = (
            "the body is JSON this service does not read: nested too deeply or a number too large"
        )
    return error_response(
        request, error.status_code, {error_field(request.url.path): detail}, error.headers
    )


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    """500 with no stack trace or internal detail; the trace goes to the log."""
    log.error(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=error,
        extra={"request_id": getattr(request.state, "request_id", None)},
    )
    return error_response(
        request, 500, {error_field(request.url.path): "internal error; it has been logged"}
    )


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    """422 listing each problem's location, message and type, without echoing the input."""
    assert isinstance(error, RequestValidationError)
    problems: list[dict[str, Any]] = []
    for problem in error.errors():
        message = problem.get("msg", "invalid")
        context = problem.get("ctx") or {}
        if problem.get("type") == "json_invalid" and "error" in context:
            message = f"{message}: {context['error']}"
        problems.append(
            {"loc": list(problem.get("loc", ())), "msg": message, "type": problem.get("type")}
        )
    return error_response(request, 422, {"detail": problems})
