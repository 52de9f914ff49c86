"""uvicorn's server with a lame-duck period before its graceful stop.

On SIGTERM, readiness turns 503 at once, while the server keeps accepting connections and
answering requests for ``shutdown_delay`` seconds: load balancers see the 503 and stop sending,
and requests already on their way (even those still waiting in the listening socket's accept
queue, which closing the socket would reset) are answered. Then uvicorn's own graceful stop
runs: stop listening, finish the requests in flight, run the app's shutdown.

SIGINT (Ctrl-C), or a second SIGTERM, skips the wait.
"""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from app.runtime.state import request_shutdown
from app.server.protocol import ConnectionLimits, guarded_protocol


class GracefulServer(uvicorn.Server):
    def __init__(
        self, app: Starlette, options: dict[str, Any], shutdown_delay: float = 0.0
    ) -> None:
        super().__init__(uvicorn.Config(app, **options))
        self.app = app
        self.shutdown_delay = shutdown_delay
        self._stop_at: float | None = None  # when the lame-duck period ends

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        request_shutdown(self.app)
        if sig == signal.SIGTERM and self._stop_at is None and self.shutdown_delay > 0:
            self._stop_at = time.monotonic() + self.shutdown_delay
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        # uvicorn calls this every 0.1 s; the signal is handed on to uvicorn when the wait ends
        # (so that it also re-raises it on exit, as it does for a signal it handled itself).
        if self._stop_at is not None and not self.should_exit and time.monotonic() >= self._stop_at:
            super().handle_exit(signal.SIGTERM, None)
        return await super().on_tick(counter)


def serve(app: Starlette, options: dict[str, Any], shutdown_delay: float = 0.0, **run: Any) -> None:
    """Run ``app`` (built by ``app.main.create_app``) until a signal stops it, gracefully."""
    limits = ConnectionLimits.of(app.state.settings)
    GracefulServer(app, {**options, "http": guarded_protocol(limits)}, shutdown_delay).run(**run)
