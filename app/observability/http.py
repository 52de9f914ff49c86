"""ASGI middleware counting HTTP requests: by method, route template and status, their latency
and how many are in flight."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import compile_path
from starlette.types import ASGIApp, Scope

from app.core.middleware import HttpObserver
from app.observability.metrics import ServiceMetrics

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route label of a path no route serves


class RequestMetrics(HttpObserver):
    """Record each HTTP request in ``metrics``. Routes are labelled by their template
    (``/v2/models/{model_name}/infer``), never by the raw path, so that clients cannot create
    new time series at will."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def arrived(self, scope: Scope) -> None:
        self.metrics.in_flight.inc()

    def answered(self, scope: Scope, status: int, seconds: float) -> None:
        self.metrics.in_flight.dec()
        counter, latency = self._children(scope, status)
        counter.inc()
        latency.observe(seconds)

    def _children(self, scope: Scope, status: int) -> tuple[Any, Any]:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = _route_template(scope, self._templates(scope))
        key = (method, route, status)
        children = self._series.get(key)
        if children is None:
            children = (
                self.metrics.requests.labels(method, route, str(status)),
                self.metrics.request_seconds.labels(method, route),
            )
            self._series[key] = children
        return children

    def _templates(self, scope: Scope) -> list[tuple[re.Pattern[str], str]]:
        """The app's documented path templates, compiled once."""
        if self._compiled is None:
            paths = scope["app"].openapi()["paths"] if "app" in scope else {}
            self._compiled = [(compile_path(template)[0], template) for template in paths]
        return self._compiled


def _route_template(scope: Scope, templates: list[tuple[re.Pattern[str], str]]) -> str:
    """The template of the route that served the request. A request answered before routing
    (413 and 400 from the body guard) gets the documented route its path matches."""
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    path = scope["path"]
    return next((template for regex, template in templates if regex.match(path)), UNMATCHED)
