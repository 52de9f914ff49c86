"""Which words drove each score: occlusion weights per token."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
from fastapi import APIRouter, Depends, Request, Response
from pydantic_core import to_json

from app.api.deps import ServingDep, served_model
from app.api.routes.predict import ERRORS, require_json
from app.api.schemas import ExplainResponse, PredictRequest
from app.api.scoring import (
    answered_in_time,
    check_limits,
    chunk_policy,
    echoable,
    log_predictions,
    long_text_of,
    note_texts,
    refuse,
    row_costs,
    scorer,
    sentence_payloads,
    sentence_texts,
    sentences_of,
)
from app.inference.batcher import DynamicBatcher
from app.inference.explain import (
    Explainer,
    Explanation,
    ExplanationPlan,
    RowScorer,
    occlusion_rows,
)


def explanation_payload(explanation: Explanation) -> dict[str, object]:
    """One text's answer: its prediction's fields, then every token with its weight."""
    prediction = explanation.prediction
    result: dict[str, object] = {
        "label": prediction.label,
        "score": prediction.score,
        "scores": prediction.scores,
        "truncated": prediction.truncated,
    }
    if prediction.chunks is not None:
        result["chunks"] = prediction.chunks
    result["tokens"] = [
        {"text": token.text, "start": token.start, "end": token.end, "weight": token.weight}
        for token in explanation.tokens
    ]
    return result


async def _explained(
    explainer: Explainer,
    batcher: DynamicBatcher,
    texts: Sequence[str],
    plans: Sequence[ExplanationPlan],
) -> list[Explanation]:
    """The texts explained, their occlusion rows scored through the batcher one row each (so
    they count in its queue bound, and short requests get turns between slices of them)."""
    rows = await asyncio.to_thread(occlusion_rows, plans)
    if not rows:
        return []
    scores = await batcher.predict(RowScorer(explainer.classifier), rows, None, "explain")
    return await asyncio.to_thread(explainer.assemble, texts, plans, np.asarray(scores))


router = APIRouter(prefix="/explain", tags=["explain"], dependencies=[Depends(require_json)])


@router.post("", response_model=ExplainResponse, responses=ERRORS)
async def explain(
    body: PredictRequest,
    request: Request,
    serving: ServingDep,  # 503 until the models are loaded
) -> Response:
    """Each text's label and score with every token it read and how much that token moves the
    score toward positive, or toward the predicted label for more than two labels (the text
    scored without it, through the served model). Same body, limits and errors as /predict;
    at most SENTIMENT_MAX_EXPLAIN_TOKENS tokens per request."""
    settings, batcher = serving.settings, serving.batcher
    classifier = serving.default if body.model is None else served_model(serving.state, body.model)
    check_limits(body, settings)
    texts = echoable(body.all_texts)  # tokens and sentences quote them
    note_texts(request, texts, settings)
    long_text = long_text_of(body, settings)
    explainer = Explainer(classifier, long_text, chunk_policy(settings, classifier))
    async with answered_in_time(settings, batcher, len(texts)):
        plans = await asyncio.to_thread(explainer.plan, texts)
        tokens = sum(len(plan.ids) for plan in plans)
        if tokens > settings.max_explain_tokens:
            refuse(
                body,
                "too_many_tokens",
                f"the texts have {tokens} tokens to explain; at most {settings.max_explain_tokens}"
                " per request (each costs one run of the model): send fewer or shorter texts",
            )
        explanations = await _explained(explainer, batcher, texts, plans)
        if body.sentences:
            split = await sentences_of(body, texts, settings)
            sentence_rows = sentence_texts(split)
            rows, costs, kind = await row_costs(sentence_rows, classifier, long_text, settings)
            sentence_predictions = await batcher.predict(
                scorer(classifier, long_text, settings), rows, costs, kind
            )
    log_predictions(request, classifier, texts, [e.prediction for e in explanations])
    results = [explanation_payload(explanation) for explanation in explanations]
    if body.sentences:
        for result, sentences in zip(
            results, sentence_payloads(split, sentence_predictions), strict=True
        ):
            result["sentences"] = sentences
    manifest = classifier.manifest
    payload = {
        "explanations": results,
        "model": {"name": manifest.name, "version": manifest.version},
    }
    return Response(to_json(payload), media_type="application/json")
