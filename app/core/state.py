"""What the running service holds: the loaded model, its batcher, and whether it is ready."""

from __future__ import annotations

from dataclasses import dataclass

from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier


@dataclass
class ServiceState:
    classifier: SentimentClassifier | None = None
    batcher: DynamicBatcher | None = None
    ready: bool = False
    stopping: bool = False
