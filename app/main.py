"""The ASGI app: settings, lifespan, middleware and routers. ``uvicorn app.main:app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from app.api.deps import require_api_key
from app.api.routes import admin, health, model, predict
from app.core import reload
from app.core.config import Settings
from app.core.logging import configure_logging
from app.core.middleware import AccessLog, BodyGuard
from app.core.state import ServiceState
from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier

log = logging.getLogger("app")


def load_classifier(settings: Settings) -> SentimentClassifier:
    """Load and verify the bundle (raises BundleError naming the file at fault)."""
    return SentimentClassifier.from_bundle(
        settings.bundle_path,
        intra_op_threads=settings.onnx_intra_op_threads,
        forward_batch_size=settings.forward_batch_size,
    )


def create_app(
    settings: Settings | None = None, classifier: SentimentClassifier | None = None
) -> FastAPI:
    """Build the app; ``classifier`` may be loaded beforehand (``python -m app`` does, to fail
    fast before the server binds its port)."""
    settings = settings or Settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state: ServiceState = app.state.service
        loaded = classifier or load_classifier(settings)
        loaded.warm_up()
        batcher = DynamicBatcher(
            max_batch_size=settings.max_batch_size,
            max_queue_texts=settings.max_queue_texts,
            max_wait_seconds=settings.max_wait_ms / 1000,
            workers=settings.inference_workers,
        )
        batcher.start()
        state.classifier, state.batcher, state.ready = loaded, batcher, True
        reload.on_sighup(state, settings)
        manifest = loaded.manifest
        log.info(
            "ready: %s %s from %s (test accuracy %.4f)",
            manifest.name,
            manifest.version,
            settings.bundle_path,
            manifest.metrics.get("test", {}).get("accuracy", float("nan")),
        )
        try:
            yield
        finally:
            state.ready, state.closing = False, True
            await batcher.close()
            log.info("stopped")

    app = FastAPIOffline(
        title="Sentiment API",
        summary="Is a movie review positive or negative? An embedding-LSTM on onnxruntime.",
        version="1.0.0",
        lifespan=lifespan,
        middleware=[
            Middleware(AccessLog),
            *_cors(settings),
            Middleware(BodyGuard, max_bytes=settings.max_body_bytes),
        ],
    )
    app.state.settings = settings
    app.state.service = ServiceState()
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    # With an API key configured, /predict requires it (and the schema documents it).
    guarded = [Depends(require_api_key)] if settings.api_key is not None else []
    app.include_router(predict.router, dependencies=guarded)
    for router in (health.router, model.router):
        app.include_router(router)
    if settings.admin_token is not None:
        app.include_router(admin.router)
    _document_limits(app, settings)
    return app


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


def _document_limits(app: FastAPI, settings: Settings) -> None:
    """Publish the request limits of these settings in the OpenAPI schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            fields = schema["components"]["schemas"]["PredictRequest"]["properties"]
            fields["text"]["maxLength"] = settings.max_text_chars
            fields["texts"]["maxItems"] = settings.max_texts_per_request
            fields["texts"]["items"]["maxLength"] = settings.max_text_chars
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


# FastAPI's words for a body its JSON parser gives up on (not a syntax error: those are 422s).
_UNPARSABLE = "There was an error parsing the body"


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """HTTP errors as JSON ``{"detail": ...}``, with FastAPI's vague parse error made precise."""
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail
    if error.status_code == 400 and detail == _UNPARSABLE:
        detail = (
            "the body is JSON this service does not read: nested too deeply or a number too large"
        )
    return JSONResponse({"detail": detail}, status_code=error.status_code, headers=error.headers)


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    """500 with no stack trace or internal detail; the trace goes to the log."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    """422 listing each problem's location, message and type, without echoing the input."""
    assert isinstance(error, RequestValidationError)
    problems: list[dict[str, Any]] = []
    for problem in error.errors():
        message = problem.get("msg", "invalid")
        context = problem.get("ctx") or {}
        if problem.get("type") == "json_invalid" and "error" in context:
            message = f"{message}: {context['error']}"
        problems.append(
            {"loc": list(problem.get("loc", ())), "msg": message, "type": problem.get("type")}
        )
    return JSONResponse(status_code=422, content={"detail": problems})


app = create_app()
