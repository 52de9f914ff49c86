"""``python -m app``: verify the bundle, then serve it with uvicorn.

The bundle is loaded before the port is bound, so a missing or corrupt bundle ends the process
with exit code 1 and one log line naming the file and the problem.
"""

from __future__ import annotations

import logging
import sys

import uvicorn

from app.core.config import Settings
from app.core.logging import configure_logging
from app.inference.bundle import BundleError
from app.main import create_app, load_classifier

log = logging.getLogger("app")


def main() -> int:
    settings = Settings()
    configure_logging(settings)
    try:
        classifier = load_classifier(settings)
    except BundleError as error:
        log.critical("cannot serve the bundle: %s", error)
        return 1
    app = create_app(settings, classifier)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep the logging configure_logging set up
        access_log=False,
        timeout_graceful_shutdown=8,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
