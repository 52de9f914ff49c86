"""The one way a route has texts scored: through the batcher, within the request deadline,
with "busy, retry later" answers and their metrics. ``/predict`` and the Open Inference
Protocol's ``infer`` both use it, so a text scores the same through either."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import status

from app.api.errors import retry_later
from app.core.config import Settings
from app.inference.batcher import BatcherClosedError, DynamicBatcher, QueueFullError
from app.inference.pipeline import Prediction, SentimentClassifier


async def score(
    texts: Sequence[str],
    classifier: SentimentClassifier,
    batcher: DynamicBatcher,
    settings: Settings,
) -> list[Prediction]:
    """Predictions of ``classifier`` for ``texts``, in order; 503 when the queue is full or
    the service is stopping, 504 past the deadline (both with Retry-After)."""
    metrics = batcher.metrics
    try:
        async with asyncio.timeout(settings.request_timeout_ms / 1000):
            # Scored by the classifier whose version the answer reports, even if a reload
            # swaps in another one while these texts wait.
            return await batcher.predict(classifier.predict, texts)
    except TimeoutError:
        # Leaving the wait cancels the request's job: texts still queued are skipped.
        if metrics is not None:
            metrics.texts_expired.inc(len(texts))
        raise retry_later(
            f"no answer within {settings.request_timeout_ms:g} ms; retry later or send fewer texts",
            status.HTTP_504_GATEWAY_TIMEOUT,
        ) from None
    except QueueFullError as error:
        if metrics is not None:
            metrics.texts_shed.labels("queue_full").inc(len(texts))
        raise retry_later(f"the service is at capacity ({error}); retry shortly") from None
    except BatcherClosedError:
        if metrics is not None:
            metrics.texts_shed.labels("shutting_down").inc(len(texts))
        raise retry_later("the service is shutting down") from None
