"""Refuse scoring requests while the queue is full, before their bodies are read.

Under overload, reading and parsing a body only to answer 503 costs the event loop the most
for the least. This middleware answers a scoring request (``POST /predict``, ``/explain`` and
V2 ``infer``) with the same JSON 503 and ``Retry-After`` as a full queue does, as soon as its
headers are in, while the batcher's queue is full. With an API key configured, only a request
that carries it is told so: any other goes on to its 401, and learns nothing of the load.

The answer is complete and the connection stays open: uvicorn reads and drops the rest of
the body, so the connection is never closed with unread bytes in it (which makes the kernel
reset it, and the client may lose the answer it was sent). A client that stops sending its
body is closed by the body read timeout (``SENTIMENT_BODY_TIMEOUT_S``).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from app.api.deps import api_key_in, api_key_matches
from app.api.errors import send_retry_later
from app.core.middleware import HttpMiddleware
from app.runtime.state import ServiceState

SCORING_PATHS = ("/predict", "/explain")


def is_scoring(scope: Scope) -> bool:
    """A request that queues work for the model."""
    path: str = scope["path"].rstrip("/")
    return scope["method"] == "POST" and (
        path in SCORING_PATHS or (path.startswith("/v2/models/") and path.endswith("/infer"))
    )


def queue_full(state: ServiceState) -> bool:
    """The batcher's queue can take no more work now. (A shutting-down service still reads
    the body and answers 503 in the route, counting the refused texts.)"""
    return state.batcher is not None and state.batcher.full


class EarlyShed(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = scope["app"].state.service
        if is_scoring(scope) and queue_full(service) and _authorized(scope):
            if service.metrics is not None:
                service.metrics.requests_shed_unread.inc()
            message = "the service is at capacity (the queue is full); retry shortly"
            await send_retry_later(scope, send, message)
            return
        await self.app(scope, receive, send)


def _authorized(scope: Scope) -> bool:
    settings = scope["app"].state.settings
    return api_key_matches(settings, api_key_in(Headers(scope=scope)))
