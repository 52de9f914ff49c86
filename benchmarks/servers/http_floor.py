"""(e) The HTTP floor: FastAPI with the service's request and response models and no model.

What parsing the request, validating it and writing the response cost, and nothing else:
the most requests per second any FastAPI endpoint of this shape can answer on the machine.
Together with the in-process limit it bounds what any batching service on FastAPI can reach
(``benchmarks.harness.report``). ``uvicorn benchmarks.servers.http_floor:app --workers 2``.
"""

from __future__ import annotations

from app.api.schemas import ModelRef, PredictionOut, PredictRequest, PredictResponse
from benchmarks.servers import yardstick_app

model = ModelRef(name="no-model", version="0")
app = yardstick_app()


@app.post("/predict", response_model=PredictResponse)
async def predict(body: PredictRequest) -> PredictResponse:
    return PredictResponse(
        predictions=[
            PredictionOut(label="positive", score=0.5, scores={}, tokens=1, truncated=False)
            for _ in body.all_texts
        ],
        model=model,
    )
