"""The one way the service loads a classifier from a bundle."""

from __future__ import annotations

from pathlib import Path

from app.core.config import Settings
from app.inference.pipeline import SentimentClassifier


def load_classifier(settings: Settings, bundle: Path | None = None) -> SentimentClassifier:
    """Load and verify ``bundle`` (default: the configured one) with these settings' session
    options; raises BundleError naming the file at fault."""
    return SentimentClassifier.from_bundle(
        bundle or settings.bundle_path,
        intra_op_threads=settings.onnx_intra_op_threads,
        forward_batch_size=settings.forward_batch_size,
    )
