"""(c) The recipe's way: a FastAPI endpoint calling Keras ``model.predict``.

The trained Keras model (``runs/NAME/model.keras``) scores ids from the same tokenizer, padded
to the fixed max length as the tutorial does. ``uvicorn benchmarks.servers.keras_predict:app``
with ``BENCH_BUNDLE`` and ``BENCH_KERAS_MODEL`` set.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.api.schemas import ModelRef, PredictionOut, PredictRequest, PredictResponse
from app.inference.bundle import read_manifest
from app.inference.pipeline import label_for
from benchmarks.inprocess import keras_predict
from benchmarks.servers import yardstick_app

bundle = Path(os.environ["BENCH_BUNDLE"])
manifest = read_manifest(bundle)
score = keras_predict(bundle, Path(os.environ["BENCH_KERAS_MODEL"]))
score(["warm up"])
model = ModelRef(name=manifest.name, version=manifest.version)
app = yardstick_app()


@app.post("/predict", response_model=PredictResponse)
def predict(body: PredictRequest) -> PredictResponse:
    texts = body.all_texts
    probabilities = score(texts).reshape(-1).tolist()  # type: ignore[attr-defined]
    return PredictResponse(
        predictions=[
            PredictionOut(
                label=label_for(p, manifest.labels, manifest.threshold),
                score=p,
                scores=dict(zip(manifest.labels, (1.0 - p, p), strict=True)),
                tokens=0,
                truncated=False,
            )
            for p in probabilities
        ],
        model=model,
    )
