"""Dependencies of the route handlers, named as ``Annotated`` types.

All are ``async def``: they only read state, and a sync dependency would cost each request a
hop to the thread pool.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from app.api.errors import retry_later
from app.core.config import Settings
from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import SentimentClassifier
from app.runtime.state import ServiceState


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def serving(state: ServiceState) -> tuple[SentimentClassifier, DynamicBatcher]:
    """The default model and the batcher, if the service takes work; 503 otherwise (REST and
    gRPC alike)."""
    # A stop signal alone does not refuse work: until the lifespan ends, requests that still
    # arrive (load balancers need a moment to see readiness fail) are answered.
    if state.closing:
        raise retry_later("the service is shutting down")
    if not state.ready or state.classifier is None or state.batcher is None:
        raise retry_later("the model is still loading")
    return state.classifier, state.batcher


def served_model(state: ServiceState, name: str | None) -> SentimentClassifier:
    """The served model a request names (None: the default one); 404 for any other name. A
    name is only looked up among the loaded models' names: it never becomes a path."""
    model = state.model(name)
    if model is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no model named {name!r} is served; GET /model lists the served models",
        )
    return model


@dataclass(frozen=True)
class Serving:
    """What a scoring route works with: the settings, the service's state, the default model
    and the batcher."""

    settings: Settings
    state: ServiceState
    default: SentimentClassifier
    batcher: DynamicBatcher


async def get_serving(request: Request) -> Serving:
    """``Serving``, or 503 while the models load or the service shuts down. One dependency
    where a route would otherwise name four: FastAPI's work per dependency was a third of a
    short request's Python calls (``python -m benchmarks.request_overhead``)."""
    state: ServiceState = request.app.state.service
    default, batcher = serving(state)
    return Serving(request.app.state.settings, state, default, batcher)


ServingDep = Annotated[Serving, Depends(get_serving)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StateDep = Annotated[ServiceState, Depends(get_state)]


_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key")
_bearer = HTTPBearer(auto_error=False, description="the API key as a bearer token")


async def require_api_key(
    settings: SettingsDep,
    key: Annotated[str | None, Security(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """401 unless the request carries the configured key (no check when none is configured)."""
    given = key if key is not None else (bearer.credentials if bearer is not None else "")
    if not api_key_matches(settings, given):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or wrong API key (send it in X-API-Key)",
            headers={"WWW-Authenticate": "Bearer"},
        )


def api_key_in(headers: Mapping[str, str]) -> str:
    """The API key a request's headers carry, as ``require_api_key`` reads it: X-API-Key, or
    else a bearer token ("" with neither)."""
    key = headers.get("x-api-key")
    if key is not None:
        return key
    scheme, credentials = get_authorization_scheme_param(headers.get("authorization"))
    return credentials if scheme.lower() == "bearer" else ""


def api_key_matches(settings: Settings, given: str) -> bool:
    """Whether ``given`` is the configured key (always, with none configured). Compared in
    constant time, so the answer's timing tells nothing about the key."""
    if settings.api_key is None:
        return True
    return hmac.compare_digest(given.encode(), settings.api_key.get_secret_value().encode())


_admin_header = APIKeyHeader(name="X-Admin-Token", auto_error=False, description="admin token")


async def require_admin_token(
    settings: SettingsDep, token: Annotated[str | None, Security(_admin_header)]
) -> None:
    """401 unless the request carries the admin token (constant-time comparison)."""
    expected = settings.admin_token
    if expected is None or not hmac.compare_digest(
        (token or "").encode(), expected.get_secret_value().encode()
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong admin token")
