"""Assembles the ASGI app: settings, lifespan, middleware, error handlers and routers.

``uvicorn app.main:app`` serves the app built from the environment's settings. ``app`` is built
on first access (a module ``__getattr__``), not on import: importing this module, as the tests
and ``python -m app`` do, only defines ``create_app``.
"""

from __future__ import annotations

import functools
from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from app.api.cancelled import CancelledAs503
from app.api.deps import require_api_key
from app.api.early_shed import EarlyShed
from app.api.errors import add_error_handlers, error_field
from app.api.open_inference.grpc_server import with_grpc
from app.api.openapi import document_limits
from app.api.routes import admin, demo, explain, health, metrics, model, predict, v2
from app.core.config import Settings
from app.core.logging import configure_logging
from app.core.middleware import AccessLog, BodyGuard, RequestIds
from app.inference.pipeline import SentimentClassifier
from app.observability.http import RequestMetrics
from app.observability.metrics import ServiceMetrics
from app.runtime.lifespan import service_lifespan
from app.runtime.loading import LoadedModels
from app.runtime.state import ServiceState
from app.runtime.tracing import start_tracing

API_VERSION = "1.0.0"  # GET /v2 and gRPC ServerMetadata report it


def create_app(
    settings: Settings | None = None,
    classifier: SentimentClassifier | None = None,
    models: LoadedModels | None = None,
) -> FastAPI:
    """Build the app; the default model's ``classifier``, or every served model (``models``,
    from ``load_models``), may be loaded beforehand (``python -m app`` does, to fail fast
    before the server binds its port)."""
    settings = settings or Settings()
    configure_logging(settings)
    service_metrics = _metrics(settings)
    tracing = start_tracing(settings)
    app = FastAPIOffline(
        title="Sentiment API",
        summary="Is a movie review positive or negative? An embedding-LSTM on onnxruntime.",
        version=API_VERSION,
        lifespan=with_grpc(service_lifespan(settings, classifier, models), settings, API_VERSION),
        # FastAPI's own HTTP server span (continuing a W3C traceparent), on our tracer
        # provider; all of its telemetry off without tracing.
        telemetry=tracing.fastapi_telemetry() if tracing is not None else _NO_TELEMETRY,
        middleware=[
            Middleware(RequestIds),
            Middleware(CancelledAs503),  # not uvicorn's plain 500 when shutdown cancels
            *([Middleware(RequestMetrics, metrics=service_metrics)] if service_metrics else []),
            Middleware(AccessLog),
            *_cors(settings),
            Middleware(EarlyShed),  # 503 before the body is read while the queue is full
            Middleware(BodyGuard, max_bytes=settings.max_body_bytes, error_field=error_field),
        ],
    )
    app.state.settings = settings
    app.state.service = ServiceState(metrics=service_metrics, tracing=tracing)
    add_error_handlers(app)
    # With an API key configured, /predict, /explain and V2 inference require it (the schema
    # documents it).
    guarded = [Depends(require_api_key)] if settings.api_key is not None else []
    for scoring_router in (predict.router, explain.router, v2.inference_router):
        app.include_router(scoring_router, dependencies=guarded)
    for router in (health.router, model.router, v2.router, demo.router):
        app.include_router(router)
    if service_metrics is not None:
        app.include_router(metrics.router)
    if settings.admin_token is not None:
        app.include_router(admin.router)
    document_limits(app, settings)
    return app


_NO_TELEMETRY: dict[str, Any] = {"tracing": False, "metrics": False, "logs": False}


def _metrics(settings: Settings) -> ServiceMetrics | None:
    """This process's metrics; a worker of ``python -m app`` shares them through the folder its
    supervisor prepared."""
    if not settings.metrics:
        return None
    return ServiceMetrics(settings.metrics_dir if settings.supervised else None)


def _cors(settings: Settings) -> list[Middleware]:
    """Browsers may call the API only from the configured origins; by default from none."""
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type", "x-api-key", "authorization"],
        )
    ]


@functools.cache
def _app_from_environment() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> FastAPI:
    """``app.main.app``, built once, when first asked for (``uvicorn app.main:app``)."""
    if name == "app":
        return _app_from_environment()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
