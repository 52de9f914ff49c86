"""Pure ASGI middleware (no per-request task or copy): request IDs, body guard, the access log,
and the request observer it shares with the request metrics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.request_id import (
    HEADER,
    accepted_or_new,
    current_request_id,
    reset_request_id,
    set_request_id,
)

access_log = logging.getLogger("app.access")

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


_HEADER_KEY = HEADER.lower().encode()


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    request_id = current_request_id()
    if request_id is not None:
        payload = {**payload, "request_id": request_id}
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HttpMiddleware:
    """ASGI middleware that handles HTTP requests; other scopes (lifespan) pass by."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RequestIds(HttpMiddleware):
    """Give each HTTP request its ID (``app.core.request_id``): current while the app answers,
    in ``request.state.request_id`` (for handlers that run outside this middleware, such as
    the 500 handler), and in the ``X-Request-ID`` header of the answer."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = next((value for name, value in scope["headers"] if name == _HEADER_KEY), None)
        request_id = accepted_or_new(given)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (_HEADER_KEY, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if all(name.lower() != _HEADER_KEY for name, _ in headers):
                    message = {**message, "headers": [*headers, header]}
            await send(message)

        token = set_request_id(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            reset_request_id(token)


class BodyGuard:
    """Answer 413 to a body over ``max_bytes``, by Content-Length or as it streams in, and 400
    to a JSON body that is not UTF-8, naming the first bad byte.

    The body is read here (it is at most ``max_bytes``) and replayed to the app, so an
    oversized body is refused before any of it is parsed.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, error_field: Callable[[str], str] = lambda _: "detail"
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.error_field = error_field  # the error body's key for a path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        field = self.error_field(scope["path"])
        too_large = {field: f"request body over the limit of {self.max_bytes} bytes"}
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    await _send_json(send, 413, too_large)
                    return
                break
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_json(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = _not_utf8_json(scope, body)
        if problem is not None:
            await _send_json(send, 400, {field: problem})
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _not_utf8_json(scope: Scope, body: bytes) -> str | None:
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    if b"json" not in content_type.lower():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"request body is not valid UTF-8 (byte {error.start}: {body[error.start]:#04x})"
    return None


class ResponseStatus:
    """``send`` for an ASGI app that remembers the status it answered with: 500 until the
    response starts (an app that raises before answering)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.code = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.code = message["status"]
        await self._send(message)


class HttpObserver(HttpMiddleware):
    """Middleware that watches each HTTP request go through the app (other scopes pass by):
    ``arrived`` before it, ``answered`` after it with the status it answered (500 if the app
    raised before answering) and its seconds, even when the app raised."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = ResponseStatus(send)
        self.arrived(scope)
        try:
            await self.app(scope, receive, status)
        finally:
            self.answered(scope, status.code, time.perf_counter() - started)

    def arrived(self, scope: Scope) -> None:
        """Called as a request arrives; nothing by default."""

    def answered(self, scope: Scope, status: int, seconds: float) -> None:
        raise NotImplementedError


class AccessLog(HttpObserver):
    """One log record per request: request ID, method, path, status, latency, number of
    texts.

    The fields go in ``extra=``, so that the JSON log format (``app.core.logging``) writes each
    as a top-level key, not as JSON inside the message. Handlers set
    ``request.state.text_count``; review text appears only if a handler sets
    ``request.state.logged_texts`` (the ``log_texts`` setting, off by default).
    """

    def answered(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state") or {}
        fields = {
            "request_id": state.get("request_id"),
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "latency_ms": round(seconds * 1000, 3),
            "texts": state.get("text_count"),
            **({"text": state["logged_texts"]} if "logged_texts" in state else {}),
            "client": (scope.get("client") or ("", 0))[0],
        }
        access_log.info("%s %s %d", scope["method"], scope["path"], status, extra=fields)
