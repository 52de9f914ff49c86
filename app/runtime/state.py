"""What the running service holds: the loaded model, its batcher, and whether it is ready."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier
from app.observability.metrics import ServiceMetrics

# Set from the server's SIGTERM/SIGINT handler, before uvicorn starts draining connections, so
# that readiness answers 503 at once rather than only when the lifespan ends.
_shutdown_requested = threading.Event()


def request_shutdown() -> None:
    _shutdown_requested.set()


@dataclass
class ServiceState:
    classifier: SentimentClassifier | None = None
    metrics: ServiceMetrics | None = None  # None with SENTIMENT_METRICS=false
    batcher: DynamicBatcher | None = None
    ready: bool = False
    closing: bool = False  # the lifespan is shutting down
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one reload at a time

    @property
    def stopping(self) -> bool:
        return self.closing or _shutdown_requested.is_set()
