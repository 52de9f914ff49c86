"""What the Open Inference Protocol's REST and gRPC forms both answer about the service and
its models: readiness, server metadata, and which served model a name and version address."""

from __future__ import annotations

from fastapi import HTTPException, status

from app.api.open_inference import bodies
from app.inference.pipeline import SentimentClassifier
from app.runtime.state import ServiceState

SERVER_NAME = "imdb-sentiment"


def server_ready(state: ServiceState) -> bool:
    """Ready once the model serves; not while loading, nor from a stop signal on."""
    return state.ready and state.classifier is not None and not state.stopping


def server_metadata(version: str) -> bodies.ServerMetadata:
    return bodies.ServerMetadata(
        name=SERVER_NAME, version=version, extensions=[bodies.BINARY_EXTENSION]
    )


def find_model(
    state: ServiceState, default: SentimentClassifier, name: str, version: str | None = None
) -> SentimentClassifier:
    """The served model of that name (looked up among the loaded models' names, never used as
    a path) and, unless ``version`` is None or empty, of that version; 404 otherwise."""
    classifier = state.models.get(name)
    if classifier is None and name == default.manifest.name:
        classifier = default
    if classifier is None:
        served = list(state.models) or [default.manifest.name]
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"unknown model {name!r}; this serves {served}"
        )
    manifest = classifier.manifest
    if version and version != manifest.version:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"unknown version {version!r} of {manifest.name!r}; serving {manifest.version!r}",
        )
    return classifier
