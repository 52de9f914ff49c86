"""The OpenAPI schema states the request limits of the running settings, and the name and
versions of the models the service serves (the Open Inference Protocol's path parameters and
the ``model`` field of /predict and /explain)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.api.open_inference.bodies import request_schema
from app.core.config import Settings
from app.inference.bundle import BundleError, read_manifest
from app.runtime.state import ServiceState


def document_limits(app: FastAPI, settings: Settings) -> None:
    """Publish the request limits of these settings in the OpenAPI schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            fields = schema["components"]["schemas"]["PredictRequest"]["properties"]
            fields["text"]["maxLength"] = settings.max_text_chars
            fields["texts"]["maxItems"] = settings.max_texts_per_request
            fields["texts"]["items"]["maxLength"] = settings.max_text_chars
            for path, operations in schema["paths"].items():
                if path.endswith("/infer"):
                    body = operations["post"]["requestBody"]["content"]["application/json"]
                    body["schema"] = request_schema(settings)
        _document_served_model(app.openapi_schema, app.state.service, settings)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _document_served_model(
    schema: dict[str, Any] | None, state: ServiceState, settings: Settings
) -> None:
    """The V2 routes' ``model_name`` and ``model_version``, and the ``model`` field, take the
    models served: the loaded ones (they may change with a reload), or before loading the
    default bundle's on disk."""
    if schema is None:
        return
    if state.models:
        manifests = [model.manifest for model in state.models.values()]
    else:
        try:
            manifests = [read_manifest(settings.bundle_path)]
        except BundleError:
            return
    names = list(dict.fromkeys(manifest.name for manifest in manifests))
    versions = list(dict.fromkeys(manifest.version for manifest in manifests))
    request_fields = schema["components"]["schemas"]["PredictRequest"]["properties"]
    request_fields["model"]["enum"] = names
    served = {"model_name": names, "model_version": versions}
    for path, operations in schema["paths"].items():
        if not path.startswith("/v2/models/"):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in served:
                    parameter["schema"]["enum"] = served[parameter["name"]]
