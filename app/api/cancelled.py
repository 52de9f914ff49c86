"""A request cancelled before it was answered gets a JSON 503, never uvicorn's plain 500.

uvicorn cancels the requests still running when its graceful shutdown times out
(``timeout_graceful_shutdown``). The cancellation reaches the app as ``CancelledError``, and
uvicorn answers a request whose response had not started with a plain-text 500 "Internal
Server Error". This outermost middleware answers such a request as a shutting-down service
does, a JSON 503 with ``Retry-After``, and lets the request end there: the server is stopping,
and nothing outside the request's own task waits for it. A response already started is left
as it is (the connection is closed).
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import Message, Receive, Scope, Send

from app.api.errors import send_retry_later
from app.core.middleware import HttpMiddleware

log = logging.getLogger("app")


class CancelledAs503(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except asyncio.CancelledError:
            if started:
                raise
            log.warning("a request was cancelled at shutdown; answered 503")
            await send_retry_later(scope, send, "the service is shutting down", close=True)
