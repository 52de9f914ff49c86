"""Prometheus metrics of the whole service. Registered unless SENTIMENT_METRICS=false."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.deps import StateDep

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(state: StateDep) -> Response:
    """Counters, gauges and histograms in the Prometheus text format, totals of every worker
    process of the service (README lists each metric)."""
    assert state.metrics is not None  # the route exists only with metrics on
    body, content_type = state.metrics.exposition()
    return Response(body, media_type=content_type)
