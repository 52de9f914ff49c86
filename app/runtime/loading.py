"""The one way the service loads a classifier from a bundle."""

from __future__ import annotations

from pathlib import Path

from app.core.config import Settings
from app.inference.pipeline import SentimentClassifier
from app.observability.metrics import ServiceMetrics


def load_classifier(settings: Settings, bundle: Path | None = None) -> SentimentClassifier:
    """Load and verify ``bundle`` (default: the configured one) with these settings' session
    options; raises BundleError naming the file at fault."""
    return SentimentClassifier.from_bundle(
        bundle or settings.bundle_path,
        intra_op_threads=settings.onnx_intra_op_threads,
        forward_batch_size=settings.forward_batch_size,
    )


def instrument(classifier: SentimentClassifier, metrics: ServiceMetrics | None) -> None:
    """Have a warmed-up classifier record its batches and runs, labelled with its name and
    version, and record it as the model being served (done just before it serves)."""
    if metrics is None:
        return
    manifest = classifier.manifest
    classifier.metrics = metrics.for_model(manifest.name, manifest.version)
    metrics.serving(
        manifest.name, manifest.version, manifest.metrics.get("test", {}).get("accuracy")
    )
