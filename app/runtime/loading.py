"""The one way the service loads a classifier from a bundle, and which bundles it serves."""

from __future__ import annotations

from pathlib import Path

from app.core.config import Settings
from app.inference.bundle import MANIFEST_FILE, BundleError
from app.inference.chunking import served_policy
from app.inference.pipeline import SentimentClassifier
from app.observability.metrics import ServiceMetrics


def load_classifier(settings: Settings, bundle: Path | None = None) -> SentimentClassifier:
    """Load and verify ``bundle`` (default: the configured one) with these settings' session
    options, and check that its window holds the chunk overlap it is to be served with (at
    start-up and on reload alike); raises BundleError naming the file at fault."""
    folder = bundle or settings.bundle_path
    classifier = SentimentClassifier.from_bundle(
        folder,
        intra_op_threads=settings.onnx_intra_op_threads,
        forward_batch_size=settings.forward_batch_size,
        shared_graphs=settings.shared_graphs_dir,
    )
    check_chunking(settings, classifier, folder)
    return classifier


def check_chunking(settings: Settings, classifier: SentimentClassifier, folder: Path) -> None:
    """Raise BundleError when the model's window cannot hold the overlap it would be chunked
    with (SENTIMENT_CHUNK_OVERLAP, else its bundle's own choice)."""
    manifest = classifier.manifest
    policy = served_policy(manifest, settings.chunk_overlap, settings.chunk_pooling)
    try:
        policy.check(manifest.max_length)
    except ValueError as error:
        raise BundleError(f"{folder}: SENTIMENT_CHUNK_OVERLAP: {error}") from None


def bundle_folders(settings: Settings) -> list[Path]:
    """The bundles to serve: SENTIMENT_BUNDLE_PATH (the default model) first, then
    SENTIMENT_EXTRA_BUNDLE_PATHS in their order, then each folder of SENTIMENT_MODELS_DIR that
    holds a manifest, by folder name; a folder named twice is served once."""
    folders = [settings.bundle_path, *settings.extra_bundle_paths]
    if settings.models_dir is not None:
        if not settings.models_dir.is_dir():
            raise BundleError(f"{settings.models_dir}: models folder not found")
        folders += sorted(
            child for child in settings.models_dir.iterdir() if (child / MANIFEST_FILE).is_file()
        )
    unique: dict[Path, Path] = {}
    for folder in folders:
        unique.setdefault(folder.resolve(), folder)
    return list(unique.values())


# Served models by name: each one's bundle folder and loaded classifier, the default first.
LoadedModels = dict[str, tuple[Path, SentimentClassifier]]


def load_models(settings: Settings, default: SentimentClassifier | None = None) -> LoadedModels:
    """Every bundle to serve, loaded and verified, by its manifest's name (the default model
    first; ``default`` is it when already loaded). Raises BundleError naming the file at fault,
    or two bundles with one name: names are what requests address models by."""
    models: LoadedModels = {}
    for index, folder in enumerate(bundle_folders(settings)):
        if index == 0 and default is not None:  # handed in, so not checked by load_classifier
            check_chunking(settings, default, folder)
            loaded = default
        else:
            loaded = load_classifier(settings, folder)
        name = loaded.manifest.name
        if name in models:
            raise BundleError(
                f"{folder}: model name {name!r} is already served from {models[name][0]};"
                " each served model needs a name of its own"
            )
        models[name] = (folder, loaded)
    return models


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
