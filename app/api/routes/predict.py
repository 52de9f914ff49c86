"""Sentiment of one or more reviews."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic_core import to_json

from app.api.deps import BatcherDep, ClassifierDep, SettingsDep
from app.api.schemas import ErrorOut, PredictRequest, PredictResponse
from app.api.scoring import score
from app.core.config import Settings


async def require_json(request: Request) -> None:
    """415 unless the body is declared JSON (otherwise FastAPI would not parse it at all)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"send the body as JSON with Content-Type: application/json (got {media_type!r})",
        )


router = APIRouter(prefix="/predict", tags=["predict"], dependencies=[Depends(require_json)])


@router.post(
    "",
    response_model=PredictResponse,
    responses={
        400: {"model": ErrorOut, "description": "body not valid UTF-8, or JSON nested too deeply"},
        401: {"model": ErrorOut, "description": "API key missing or wrong (when one is set)"},
        413: {"model": ErrorOut, "description": "request body over the byte limit"},
        415: {"model": ErrorOut, "description": "body not declared as JSON"},
        503: {"model": ErrorOut, "description": "loading, shutting down, or the queue is full"},
        504: {"model": ErrorOut, "description": "not answered within the request deadline"},
    },
)
async def predict(
    body: PredictRequest,
    request: Request,
    classifier: ClassifierDep,
    batcher: BatcherDep,
    settings: SettingsDep,
) -> Response:
    """Label and probability of being positive for each text, in input order."""
    texts = body.all_texts
    _check_limits(body, settings)
    request.state.text_count = len(texts)
    if settings.log_texts:
        request.state.logged_texts = texts
    predictions = await score(texts, classifier, batcher, settings)
    manifest = classifier.manifest
    # Serialised here in one step: the shape is PredictResponse's (the schema documents it),
    # and FastAPI re-validating the model it was just given would cost more than the rest of
    # the request's Python work.
    payload = {
        "predictions": [
            {"label": p.label, "score": p.score, "tokens": p.tokens, "truncated": p.truncated}
            for p in predictions
        ],
        "model": {"name": manifest.name, "version": manifest.version},
    }
    return Response(to_json(payload), media_type="application/json")


def _check_limits(body: PredictRequest, settings: Settings) -> None:
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
