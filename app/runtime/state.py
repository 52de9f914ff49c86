"""What the running service holds: the loaded model, its batcher, and whether it is ready."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.applications import Starlette

from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier
from app.observability.metrics import ServiceMetrics


@dataclass
class ServiceState:
    classifier: SentimentClassifier | None = None
    metrics: ServiceMetrics | None = None  # None with SENTIMENT_METRICS=false
    batcher: DynamicBatcher | None = None
    ready: bool = False
    stop_requested: bool = False  # a stop signal arrived; the server still drains connections
    closing: bool = False  # the lifespan is shutting down
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one reload at a time

    @property
    def stopping(self) -> bool:
        return self.closing or self.stop_requested


def request_shutdown(app: Starlette) -> None:
    """Readiness of ``app`` answers 503 from now on. Called from the server's SIGTERM/SIGINT
    handler, before uvicorn starts draining connections, rather than only when the lifespan
    ends."""
    state: ServiceState = app.state.service
    state.stop_requested = True
