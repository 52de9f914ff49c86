"""Sentiment of one or more reviews."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic_core import to_json

from app.api.deps import ServingDep, served_model
from app.api.schemas import ErrorOut, PredictRequest, PredictResponse
from app.api.scoring import (
    answered_in_time,
    check_limits,
    echoable,
    log_predictions,
    long_text_of,
    note_texts,
    prediction_payload,
    row_costs,
    scorer,
    sentence_payloads,
    sentence_texts,
    sentences_of,
)


async def require_json(request: Request) -> None:
    """415 unless the body is declared JSON (otherwise FastAPI would not parse it at all)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"send the body as JSON with Content-Type: application/json (got {media_type!r})",
        )


# The error answers /predict and /explain share.
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "body not valid UTF-8, or JSON nested too deeply"},
    401: {"model": ErrorOut, "description": "API key missing or wrong (when one is set)"},
    404: {"model": ErrorOut, "description": "no model of the requested name is served"},
    413: {"model": ErrorOut, "description": "request body over the byte limit"},
    415: {"model": ErrorOut, "description": "body not declared as JSON"},
    503: {"model": ErrorOut, "description": "loading, shutting down, or the queue is full"},
    504: {"model": ErrorOut, "description": "not answered within the request deadline"},
}

router = APIRouter(prefix="/predict", tags=["predict"], dependencies=[Depends(require_json)])


@router.post("", response_model=PredictResponse, responses=ERRORS)
async def predict(
    body: PredictRequest,
    request: Request,
    serving: ServingDep,  # 503 until the models are loaded
) -> Response:
    """Label and probability of being positive for each text, in input order; optionally read
    long texts whole (``long_text: "chunk"``) and score each sentence (``sentences: true``)."""
    settings, batcher = serving.settings, serving.batcher
    classifier = serving.default if body.model is None else served_model(serving.state, body.model)
    texts = body.all_texts
    check_limits(body, settings)
    note_texts(request, texts, settings)
    # Scored by the classifier whose version the answer reports, even if a reload swaps in
    # another one while these texts wait.
    long_text = long_text_of(body, settings)
    score = scorer(classifier, long_text, settings)
    async with answered_in_time(settings, batcher, len(texts)):
        split = await sentences_of(body, echoable(texts), settings) if body.sentences else []
        # Sentences are more rows of the same job: they are batched with everything else.
        every_text = [*texts, *sentence_texts(split)]
        rows, costs, kind = await row_costs(every_text, classifier, long_text, settings)
        predictions = await batcher.predict(score, rows, costs, kind)
    log_predictions(request, classifier, texts, predictions[: len(texts)])
    results = [prediction_payload(prediction) for prediction in predictions[: len(texts)]]
    if body.sentences:
        per_text = sentence_payloads(split, predictions[len(texts) :])
        for result, sentences in zip(results, per_text, strict=True):
            result["sentences"] = sentences
    manifest = classifier.manifest
    # Serialised here in one step: the shape is PredictResponse's (the schema documents it),
    # and FastAPI re-validating the model it was just given would cost more than the rest of
    # the request's Python work.
    model = {"name": manifest.name, "version": manifest.version}
    payload = {"predictions": results, "model": model}
    return Response(to_json(payload), media_type="application/json")
