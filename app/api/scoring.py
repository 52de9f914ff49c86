"""What the scoring routes share (``/predict``, ``/explain`` and the Open Inference Protocol's
``infer``): request limits, how long texts are read, sentence scoring, and the batcher's work
done within the request deadline, with its "busy, retry later" answers counted in the metrics.
``/predict`` and ``infer`` score through the same ``scorer``, so a text scores the same through
either."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError

from app.api.errors import retry_later
from app.api.schemas import PredictRequest
from app.core.config import Settings
from app.inference.admission import QueueFullError, WorkKind
from app.inference.batcher import BatcherClosedError, DynamicBatcher
from app.inference.chunking import (
    ChunkPolicy,
    LongText,
    Reading,
    Tokenized,
    served_policy,
    windowed,
)
from app.inference.pipeline import Prediction, SentimentClassifier, encodable
from app.inference.sentences import Sentence, split_sentences

Scorer = Callable[[Sequence[str]], list[Prediction]]


def note_texts(request: Request, texts: Sequence[str], settings: Settings) -> None:
    """Tell the access log how many texts the request carries, and the texts themselves when
    SENTIMENT_LOG_TEXTS is on (off by default)."""
    request.state.text_count = len(texts)
    if settings.log_texts:
        request.state.logged_texts = texts


def log_predictions(
    request: Request,
    classifier: SentimentClassifier,
    texts: Sequence[str],
    predictions: Sequence[Prediction],
) -> None:
    """Queue the request's predictions of its texts for the prediction log, when it is on
    (SENTIMENT_PREDICTION_LOG), with the texts when SENTIMENT_LOG_TEXTS is on too."""
    prediction_log = request.app.state.service.prediction_log
    if prediction_log is None:
        return
    manifest = classifier.manifest
    prediction_log.record(
        getattr(request.state, "request_id", None),
        manifest.name,
        manifest.version,
        predictions,
        texts if request.app.state.settings.log_texts else None,
    )


def chunk_policy(settings: Settings, classifier: SentimentClassifier) -> ChunkPolicy:
    """How ``classifier``'s texts are chunked: the settings' overlap and rule where set, else
    the bundle's own choice (the lifespan checks the result against each model's window)."""
    return served_policy(classifier.manifest, settings.chunk_overlap, settings.chunk_pooling)


def echoable(texts: Sequence[str]) -> list[str]:
    """The texts as answers may quote them: lone UTF-16 surrogates (valid JSON escapes, but not
    characters a JSON answer can carry) become U+FFFD, one character for one, so offsets hold."""
    return [encodable(text) for text in texts]


def long_text_of(body: PredictRequest, settings: Settings) -> LongText:
    return body.long_text or settings.long_text


def scorer(classifier: SentimentClassifier, long_text: LongText, settings: Settings) -> Scorer:
    """How the classifier scores texts read as ``long_text`` says, with the served chunking."""
    return Reading(long_text, chunk_policy(settings, classifier)).scorer(classifier)


async def row_costs(
    texts: Sequence[str], classifier: SentimentClassifier, long_text: LongText, settings: Settings
) -> tuple[Sequence[str | Tokenized], list[int], WorkKind]:
    """The texts as the batcher is to take them, the model rows each costs read as
    ``long_text`` says, and the kind of work they are to the batcher's admission: chunked only
    when some text takes more than one window. Texts tokenized to count their windows come
    back ``Tokenized``, so that scoring does not tokenize them again."""
    window = classifier.manifest.max_length
    if long_text != "chunk" or all(len(text) <= window for text in texts):
        return texts, [1] * len(texts), "short"
    overlap = chunk_policy(settings, classifier).overlap
    rows, costs = await asyncio.to_thread(windowed, classifier, texts, overlap)
    return rows, costs, "chunk" if any(cost > 1 for cost in costs) else "short"


async def score(
    texts: Sequence[str],
    classifier: SentimentClassifier,
    batcher: DynamicBatcher,
    settings: Settings,
) -> list[Prediction]:
    """Predictions of ``classifier`` for ``texts`` read as the service's SENTIMENT_LONG_TEXT
    says, in order, through the batcher within the deadline (503/504 as ``answered_in_time``)."""
    long_text = settings.long_text
    async with answered_in_time(settings, batcher, len(texts)):
        rows, costs, kind = await row_costs(texts, classifier, long_text, settings)
        model = scorer(classifier, long_text, settings)
        predictions = await batcher.predict(model, rows, costs, kind)
    return predictions


def check_limits(body: PredictRequest, settings: Settings) -> None:
    """The request limits that depend on settings, as 422s in the validation-error shape."""
    texts = body.all_texts
    errors = []
    if len(texts) > settings.max_texts_per_request:
        errors.append(
            {
                "type": "too_long",
                "loc": ("body", "texts"),
                "msg": f"{len(texts)} texts; at most {settings.max_texts_per_request} per request",
            }
        )
    for index, text in enumerate(texts):
        if len(text) > settings.max_text_chars:
            where = "text" if body.text is not None else f"texts[{index}]"
            errors.append(
                {
                    "type": "string_too_long",
                    "loc": ("body", where),
                    "msg": f"{where} has {len(text)} characters; at most {settings.max_text_chars}",
                }
            )
    if errors:
        raise RequestValidationError(errors)


def refuse(body: PredictRequest, kind: str, message: str) -> None:
    """422 in the validation-error shape, located at the request's texts."""
    where = "text" if body.text is not None else "texts"
    raise RequestValidationError([{"type": kind, "loc": ("body", where), "msg": message}])


@asynccontextmanager
async def answered_in_time(
    settings: Settings, batcher: DynamicBatcher, texts: int
) -> AsyncIterator[None]:
    """Batcher work for a request of ``texts`` texts, as HTTP answers: 504 when it is not done
    within the request deadline (leaving the wait cancels the request's queued texts), 503 when
    the queue cannot take it or the service is shutting down; both with Retry-After, and the
    request's texts counted as expired or shed."""
    metrics = batcher.metrics
    try:
        async with asyncio.timeout(settings.request_timeout_ms / 1000):
            yield
    except TimeoutError:
        if metrics is not None:
            metrics.texts_expired.inc(texts)
        raise retry_later(
            f"no answer within {settings.request_timeout_ms:g} ms; retry later or send fewer texts",
            status.HTTP_504_GATEWAY_TIMEOUT,
        ) from None
    except QueueFullError as error:
        if metrics is not None:
            metrics.texts_shed.labels("queue_full").inc(texts)
        raise retry_later(
            f"the service is at capacity ({error}); retry shortly", overloaded=True
        ) from None
    except BatcherClosedError:
        if metrics is not None:
            metrics.texts_shed.labels("shutting_down").inc(texts)
        raise retry_later("the service is shutting down") from None


async def sentences_of(
    body: PredictRequest, texts: Sequence[str], settings: Settings
) -> list[list[Sentence]]:
    """Each text's sentences (split off the event loop); 422 beyond the per-request limit."""
    split = await asyncio.to_thread(lambda: [split_sentences(text) for text in texts])
    count = sum(len(sentences) for sentences in split)
    if count > settings.max_sentences_per_request:
        refuse(
            body,
            "too_many_sentences",
            f"the texts have {count} sentences; at most {settings.max_sentences_per_request} are"
            " scored per request: send fewer texts or leave out sentences",
        )
    return split


def sentence_texts(split: Sequence[Sequence[Sentence]]) -> list[str]:
    return [sentence.text for sentences in split for sentence in sentences]


def sentence_payloads(
    split: Sequence[Sequence[Sentence]], predictions: Sequence[Prediction]
) -> list[list[dict[str, Any]]]:
    """Per text, its sentences with their predictions (``predictions`` in ``sentence_texts``
    order)."""
    scored = iter(predictions)
    return [
        [
            {
                "text": sentence.text,
                "start": sentence.start,
                "end": sentence.end,
                **_label_and_score(next(scored)),
            }
            for sentence in sentences
        ]
        for sentences in split
    ]


def _label_and_score(prediction: Prediction) -> dict[str, Any]:
    return {"label": prediction.label, "score": prediction.score, "scores": prediction.scores}


def prediction_payload(prediction: Prediction) -> dict[str, Any]:
    payload: dict[str, Any] = {
        **_label_and_score(prediction),
        "tokens": prediction.tokens,
        "truncated": prediction.truncated,
    }
    if prediction.chunks is not None:
        payload["chunks"] = prediction.chunks
    return payload
