"""Dependencies of the route handlers, named as ``Annotated`` types.

All are ``async def``: they only read state, and a sync dependency would cost each request a
hop to the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from app.core.config import Settings
from app.core.state import ServiceState
from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


async def _serving(state: Annotated[ServiceState, Depends(get_state)]) -> ServiceState:
    if state.stopping:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the service is shutting down",
            headers={"Retry-After": "1"},
        )
    if not state.ready or state.classifier is None or state.batcher is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the model is still loading",
            headers={"Retry-After": "1"},
        )
    return state


async def get_classifier(state: Annotated[ServiceState, Depends(_serving)]) -> SentimentClassifier:
    assert state.classifier is not None
    return state.classifier


async def get_batcher(state: Annotated[ServiceState, Depends(_serving)]) -> DynamicBatcher:
    assert state.batcher is not None
    return state.batcher


SettingsDep = Annotated[Settings, Depends(get_settings)]
StateDep = Annotated[ServiceState, Depends(get_state)]
ClassifierDep = Annotated[SentimentClassifier, Depends(get_classifier)]
BatcherDep = Annotated[DynamicBatcher, Depends(get_batcher)]
