"""uvicorn's HTTP protocol with the limits nginx sets against slow clients (slowloris).

- ``SENTIMENT_HEADER_TIMEOUT_S``: a connection must send a request's headers within this time,
  from when it connects or the request's first byte arrives (nginx's ``client_header_timeout``);
- ``SENTIMENT_BODY_TIMEOUT_S``: and its body within this time once the headers are in
  (``client_body_timeout``, here for the whole body, so a byte a second does not keep it
  going). Past either, the client gets a JSON 408 (if nothing was answered yet) and the
  connection is closed. An idle keep-alive connection is closed by uvicorn after
  ``SENTIMENT_KEEP_ALIVE_S``.
- ``SENTIMENT_MAX_CONNECTIONS``: open connections per server process. Each request on a
  connection beyond them is answered with a JSON 503 and ``Retry-After`` after its body is
  read (so closing it resets nothing), and the connection is closed; connections already
  open keep being served.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send
from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from app.api.errors import error_field, send_retry_later
from app.core.config import Settings


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float
    body_timeout_s: float
    max_connections: int

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        return cls(settings.header_timeout_s, settings.body_timeout_s, settings.max_connections)


def _raw_json(status: str, payload: dict[str, str], extra: bytes = b"") -> bytes:
    body = json.dumps(payload).encode()
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n".encode()
        + extra
        + b"\r\n"
        + body
    )


async def _over_connection_limit(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer on a connection beyond the limit: read the body first (closing with unread
    bytes would reset the connection and could lose this answer), then 503 and close."""
    message: dict[str, Any] = {"more_body": True}
    while message.get("more_body", False):
        message = dict(await receive())
        if message["type"] == "http.disconnect":
            return
    await send_retry_later(scope, send, "too many open connections; retry shortly", close=True)


def guarded_protocol(limits: ConnectionLimits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with ``limits`` (pass it as uvicorn's ``http``)."""

    class GuardedProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None
        _over_limit = False

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self._over_limit = len(self.connections) > limits.max_connections
            self._start_clock(limits.header_timeout_s, "headers")

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_clock()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._deadline is None:  # the next request on a kept-alive connection
                self._start_clock(limits.header_timeout_s, "headers")

        def on_headers_complete(self) -> None:
            self._stop_clock()
            super().on_headers_complete()
            self._start_clock(limits.body_timeout_s, "body")

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._stop_clock()

        def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
            refuse: Any = _over_connection_limit
            super()._start_asgi_task(cycle, refuse if self._over_limit else app)

        def _start_clock(self, seconds: float, what: str) -> None:
            self._stop_clock()
            self._deadline = self.loop.call_later(seconds, self._too_slow, what, seconds)

        def _stop_clock(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self, what: str, seconds: float) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            if self.cycle is None or not self.cycle.response_started:
                path = self.scope["path"] if self.scope and "path" in self.scope else "/"
                message = f"the request's {what} did not arrive within {seconds:g} s"
                self.transport.write(_raw_json("408 Request Timeout", {error_field(path): message}))
            self.transport.close()

    return GuardedProtocol
