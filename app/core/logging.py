"""Logging set-up: one line per record on stderr, as JSON or as text (``log_format``).

JSON is for log shippers: every record, the service's and uvicorn's alike, is one object with
``time``, ``level``, ``logger`` and ``message``, the fields a record was given with ``extra=``
(the access log's method, path, status, ...) as top-level keys, and ``traceback`` when it
carries an exception. Text is for a person at a terminal: the same fields as ``key=value``
after the message.
"""

from __future__ import annotations

import json
import logging
import sys

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from app.core.config import Settings

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(RESERVED_ATTRS) | {"taskName"}


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger", "exc_info": "traceback"},
        timestamp="time",  # ISO 8601, UTC
        reserved_attrs=sorted(_STANDARD_ATTRIBUTES),
        json_ensure_ascii=False,
    )


class TextFormatter(logging.Formatter):
    """The classic line, then each ``extra=`` field as ``key=value`` (values as JSON)."""

    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        # Private attributes are another library's bookkeeping, not ``extra=`` fields: Ray's
        # record factory, once Ray is imported, stamps every record with _ray_timestamp_ns.
        fields = {
            k: v
            for k, v in vars(record).items()
            if k not in _STANDARD_ATTRIBUTES and not k.startswith("_")
        }
        if not fields:
            return line
        pairs = " ".join(
            f"{k}={json.dumps(v, ensure_ascii=False, default=str)}" for k, v in fields.items()
        )
        head, newline, traceback = line.partition("\n")
        return f"{head} {pairs}{newline}{traceback}"


def configure_logging(settings: Settings) -> None:
    level = settings.log_level.upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if settings.log_format == "json" else TextFormatter())
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger().setLevel(level)
    logging.captureWarnings(True)  # Python's warnings as records too, not bare text on stderr
    # Our AccessLog middleware replaces uvicorn's access log (it adds latency and text count).
    logging.getLogger("uvicorn.access").disabled = True
