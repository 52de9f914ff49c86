"""Yardstick HTTP services with the same request and response shapes as the real one."""

from __future__ import annotations

from fastapi import FastAPI


def yardstick_app() -> FastAPI:
    """A bare FastAPI app with the readiness route the benchmark polls before loading it."""
    app = FastAPI()

    @app.get("/health/ready")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app
