"""What the running service holds: the loaded models, their batcher, and whether it is
ready."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette

from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier
from app.observability.metrics import ServiceMetrics
from app.observability.prediction_log import PredictionLog
from app.observability.tracing import Tracing


@dataclass
class ServiceState:
    classifier: SentimentClassifier | None = None  # the default model
    # Every served model by its manifest's name (the default included), and its bundle folder.
    # Requests name models; a name is only ever a key here, never part of a path.
    models: dict[str, SentimentClassifier] = field(default_factory=dict)
    bundles: dict[str, Path] = field(default_factory=dict)
    metrics: ServiceMetrics | None = None  # None with SENTIMENT_METRICS=false
    tracing: Tracing | None = None  # None unless SENTIMENT_TRACING=true
    prediction_log: PredictionLog | None = None  # None unless SENTIMENT_PREDICTION_LOG is set
    batcher: DynamicBatcher | None = None
    ready: bool = False
    stop_requested: bool = False  # a stop signal arrived; the server still drains connections
    closing: bool = False  # the lifespan is shutting down
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one reload at a time

    @property
    def stopping(self) -> bool:
        return self.closing or self.stop_requested

    def model(self, name: str | None) -> SentimentClassifier | None:
        """The model of that name (None: the default), or None if none is served by it."""
        if name is None:
            return self.classifier
        return self.models.get(name)


def request_shutdown(app: Starlette) -> None:
    """Readiness of ``app`` answers 503 from now on. Called from the server's SIGTERM/SIGINT
    handler, before uvicorn starts draining connections, rather than only when the lifespan
    ends."""
    state: ServiceState = app.state.service
    state.stop_requested = True
