"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.deps import StateDep
from app.api.schemas import Health, ModelRef

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=Health)
async def live() -> Health:
    """200 while the process runs."""
    return Health(status="alive")


@router.get(
    "/ready",
    response_model=Health,
    responses={503: {"model": Health, "description": "loading the model or shutting down"}},
)
async def ready(state: StateDep, response: Response) -> Health:
    """200 once the model is loaded and warmed up; 503 before that and while shutting down."""
    if state.stopping:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="stopping")
    if not state.ready or state.classifier is None:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Health(status="loading")
    manifest = state.classifier.manifest
    return Health(status="ready", model=ModelRef(name=manifest.name, version=manifest.version))
