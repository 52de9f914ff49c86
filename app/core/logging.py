"""Logging set-up: one line per record on stderr, the level from settings."""

from __future__ import annotations

import logging

from app.core.config import Settings

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings) -> None:
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format=_FORMAT)
    logging.getLogger().setLevel(level)
    # Our AccessLog middleware replaces uvicorn's access log (it adds latency and text count).
    logging.getLogger("uvicorn.access").disabled = True
