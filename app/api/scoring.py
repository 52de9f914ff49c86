"""What /predict and /explain share: request limits, how long texts are read, sentence
scoring, the request deadline and the queue's refusals as HTTP answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import status
from fastapi.exceptions import RequestValidationError

from app.api.errors import retry_later
from app.api.schemas import PredictRequest
from app.core.config import Settings
from app.inference.batcher import BatcherClosedError, DynamicBatcher, QueueFullError
from app.inference.chunking import ChunkedScorer, ChunkPolicy, LongText
from app.inference.pipeline import Prediction, SentimentClassifier, encodable
from app.inference.sentences import Sentence, split_sentences

Result = TypeVar("Result")
Scorer = Callable[[Sequence[str]], list[Prediction]]


def chunk_policy(settings: Settings) -> ChunkPolicy:
    """The served way of chunking (the lifespan checks it against the model's window)."""
    return ChunkPolicy(settings.chunk_overlap, settings.chunk_pooling)


def echoable(texts: Sequence[str]) -> list[str]:
    """The texts as answers may quote them: lone UTF-16 surrogates (valid JSON escapes, but not
    characters a JSON answer can carry) become U+FFFD, one character for one, so offsets hold."""
    return [encodable(text) for text in texts]


def long_text_of(body: PredictRequest, settings: Settings) -> LongText:
    return body.long_text or settings.long_text


def scorer(classifier: SentimentClassifier, long_text: LongText, settings: Settings) -> Scorer:
    """The classifier's predict, or its chunked reading of long texts."""
    if long_text == "chunk":
        return ChunkedScorer(classifier, chunk_policy(settings))
    return classifier.predict


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
async def answered_in_time(settings: Settings) -> AsyncIterator[None]:
    """504 when the work inside is not done within the request deadline; leaving the wait
    cancels the request's queued texts."""
    try:
        async with asyncio.timeout(settings.request_timeout_ms / 1000):
            yield
    except TimeoutError:
        raise retry_later(
            f"no answer within {settings.request_timeout_ms:g} ms; retry later or send fewer texts",
            status.HTTP_504_GATEWAY_TIMEOUT,
        ) from None


async def queued(
    batcher: DynamicBatcher, model: Callable[[Sequence[str]], list[Result]], texts: Sequence[str]
) -> list[Result]:
    """``model``'s results for ``texts`` through the batcher; 503 when it cannot take them."""
    try:
        return await batcher.predict(model, texts)
    except QueueFullError as error:
        raise retry_later(f"the service is at capacity ({error}); retry shortly") from None
    except BatcherClosedError:
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
    return {"label": prediction.label, "score": prediction.score}


def prediction_payload(prediction: Prediction) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "label": prediction.label,
        "score": prediction.score,
        "tokens": prediction.tokens,
        "truncated": prediction.truncated,
    }
    if prediction.chunks is not None:
        payload["chunks"] = prediction.chunks
    return payload
