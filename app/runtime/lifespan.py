"""The app's lifespan: load and warm up the model, start the batcher, serve, then drain."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from starlette.applications import Starlette

from app.core.config import Settings
from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier
from app.observability.prediction_log import PredictionLog
from app.runtime import reload
from app.runtime.loading import LoadedModels, instrument, load_models
from app.runtime.state import ServiceState

log = logging.getLogger("app")

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def service_lifespan(
    settings: Settings,
    classifier: SentimentClassifier | None = None,
    preloaded: LoadedModels | None = None,
) -> Lifespan:
    """The lifespan of an app whose ``state.service`` is a ServiceState. Every configured
    bundle is loaded, warmed up and served by its name; the default model's ``classifier``, or
    all of them (``preloaded``), may be loaded beforehand (``python -m app`` does, to fail fast
    before the port is bound)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state: ServiceState = app.state.service
        _warn_deprecated(settings)
        models = preloaded or load_models(settings, classifier)
        for _, model in models.values():
            model.warm_up()
            instrument(model, state.metrics)
        loaded = next(iter(models.values()))[1]
        state.bundles = {name: folder for name, (folder, _) in models.items()}
        state.models = {name: model for name, (_, model) in models.items()}
        batcher = _batcher(settings, state)
        batcher.start()
        if settings.prediction_log is not None:
            state.prediction_log = PredictionLog.open(
                settings.prediction_log,
                settings.prediction_log_queue,
                state.metrics.prediction_log_dropped if state.metrics is not None else None,
            )
        state.classifier, state.batcher, state.ready = loaded, batcher, True
        reload.on_sighup(state, settings)
        manifest = loaded.manifest
        log.info(
            "ready: %s %s from %s (test accuracy %.4f)%s",
            manifest.name,
            manifest.version,
            settings.bundle_path,
            manifest.metrics.get("test", {}).get("accuracy", float("nan")),
            f"; also serving {', '.join(list(state.models)[1:])}" if len(state.models) > 1 else "",
        )
        try:
            yield
        finally:
            state.ready, state.closing = False, True
            await batcher.close()
            _flush(state)
            log.info("stopped")

    return lifespan


def _warn_deprecated(settings: Settings) -> None:
    if settings.max_queue_texts is not None:
        log.warning(
            "SENTIMENT_MAX_QUEUE_TEXTS is deprecated and goes in the next release: the queue"
            " counts model rows, set SENTIMENT_MAX_QUEUE_ROWS (now %d)",
            settings.max_queue_rows,
        )


def _batcher(settings: Settings, state: ServiceState) -> DynamicBatcher:
    """The batcher with the served limits: batch size, queue and costly work in model rows,
    and the deadline costly work must fit."""
    return DynamicBatcher(
        max_batch_size=settings.max_batch_size,
        max_queue_rows=settings.max_queue_rows,
        row_caps={"explain": settings.max_explain_rows, "chunk": settings.max_chunk_rows},
        deadline_seconds=settings.request_timeout_ms / 1000,
        max_wait_seconds=settings.max_wait_ms / 1000,
        workers=settings.inference_workers,
        inline_rows=settings.inline_rows,
        metrics=state.metrics,
        tracing=state.tracing,
    )


def _flush(state: ServiceState) -> None:
    """Write out the prediction log and the traces still buffered (after the last request)."""
    if state.prediction_log is not None:
        state.prediction_log.close()
        state.prediction_log = None
    if state.tracing is not None:
        state.tracing.shutdown()
