"""``python -m app``: verify the bundle, then serve it with uvicorn.

The bundle is loaded before the port is bound, so a missing or corrupt bundle ends the process
with exit code 1 and one log line naming the file and the problem.

With ``SENTIMENT_WORKERS`` > 1 (the default on a multi-core machine) that many server processes
share the port (``app.server.supervisor``), each with its own event loop and copy of the model:
Python runs one thread at a time per process, so processes serve more single reviews than one
process with as many inference threads (measured by ``benchmarks``; README gives the figures).
The parent only
supervises: it checks the bundle in a short-lived child process and never loads the model,
onnxruntime or the web stack itself.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from app.core.config import Settings
from app.core.logging import configure_logging
from app.server import supervisor

log = logging.getLogger("app")


def main() -> int:
    settings = Settings()
    configure_logging(settings)
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # keep the logging configure_logging set up
        "access_log": False,
        # Lame-duck wait plus draining the requests in flight stay within 10 s (docker stop's
        # default and the compose file's stop_grace_period).
        "timeout_graceful_shutdown": 8 - settings.shutdown_delay_s,
    }
    if settings.workers > 1:
        # The parent checks the bundle in a short-lived process, so that it does not keep
        # onnxruntime and a copy of the model in memory while it supervises.
        problem = supervisor.check_bundle(settings)
        if problem is not None:
            log.critical("cannot serve the bundle: %s", problem)
            return 1
        return supervisor.serve("app.main:create_app", settings, options)

    from app.inference.bundle import BundleError
    from app.main import create_app
    from app.runtime.loading import load_models
    from app.server import graceful

    try:
        models = load_models(settings)  # every bundle, checked before the port is bound
    except BundleError as error:
        log.critical("cannot serve the bundle: %s", error)
        return 1
    graceful.serve(create_app(settings, models=models), options, settings.shutdown_delay_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
