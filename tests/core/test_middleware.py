"""The status an ASGI app answered with, as the access log and the request metrics record it."""

from __future__ import annotations

import asyncio
import logging

import pytest
from starlette.types import Message, Receive, Scope, Send

from app.core.middleware import AccessLog, ResponseStatus

SCOPE: Scope = {"type": "http", "method": "GET", "path": "/x", "headers": []}


async def _answer_418(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _fail(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("before any answer")


async def _receive() -> Message:
    return {"type": "http.request", "body": b""}


def test_response_status_passes_messages_on_and_remembers_the_status() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    status = ResponseStatus(send)
    assert status.code == 500  # nothing answered yet
    asyncio.run(_answer_418(SCOPE, _receive, status))
    assert status.code == 418 and [m["type"] for m in sent] == [
        "http.response.start",
        "http.response.body",
    ]


def test_the_access_log_records_a_request_that_raised_as_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def send(message: Message) -> None:
        pass

    with caplog.at_level(logging.INFO, logger="app.access"), pytest.raises(RuntimeError):
        asyncio.run(AccessLog(_fail)(dict(SCOPE), _receive, send))
    with caplog.at_level(logging.INFO, logger="app.access"):
        asyncio.run(AccessLog(_answer_418)(dict(SCOPE), _receive, send))
    statuses = [r.status for r in caplog.records]  # type: ignore[attr-defined]
    assert statuses == [500, 418]
