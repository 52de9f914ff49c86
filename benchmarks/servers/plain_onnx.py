"""(d) The plain way: a FastAPI endpoint that runs the same ONNX pipeline once per request.

No cross-request batching: FastAPI runs the sync endpoint in its thread pool and each request
calls ``SentimentClassifier.predict`` on its own texts. ``uvicorn
benchmarks.servers.plain_onnx:app`` with ``BENCH_BUNDLE`` set.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.api.schemas import ModelRef, PredictionOut, PredictRequest, PredictResponse
from app.inference.pipeline import SentimentClassifier
from benchmarks.servers import yardstick_app

classifier = SentimentClassifier.from_bundle(Path(os.environ["BENCH_BUNDLE"]))
classifier.warm_up()
model = ModelRef(name=classifier.manifest.name, version=classifier.manifest.version)
app = yardstick_app()


@app.post("/predict", response_model=PredictResponse)
def predict(body: PredictRequest) -> PredictResponse:
    predictions = classifier.predict(body.all_texts)
    return PredictResponse(
        predictions=[
            PredictionOut(
                label=p.label,
                score=p.score,
                scores=p.scores or {},
                tokens=p.tokens,
                truncated=p.truncated,
            )
            for p in predictions
        ],
        model=model,
    )
