"""The OpenAPI schema states the request limits of the running settings."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.api.open_inference.bodies import request_schema
from app.core.config import Settings


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
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
