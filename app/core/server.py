"""uvicorn's server, telling the service it is stopping the moment the signal arrives.

uvicorn drains open connections before it runs the app's shutdown, so without this the
readiness probe would keep answering 200 during the drain and a load balancer would keep
sending traffic to a process that is going away.
"""

from __future__ import annotations

from types import FrameType
from typing import Any

import uvicorn

from app.core.state import request_shutdown


class GracefulServer(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        request_shutdown()
        super().handle_exit(sig, frame)


def serve(app: Any, options: dict[str, Any], **run: Any) -> None:
    """Run ``app`` (an ASGI app or an import string) until a signal stops it, gracefully."""
    GracefulServer(uvicorn.Config(app, **options)).run(**run)
