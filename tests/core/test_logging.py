"""The two log formats: JSON objects with the record's fields as keys, or readable text."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from app.core.config import Settings
from app.core.logging import TextFormatter, json_formatter


def formatted(formatter: logging.Formatter, raise_first: bool = False) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.logging")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        if raise_first:
            try:
                raise ValueError("the bundle is bad")
            except ValueError:
                logger.exception("reload refused", extra={"request_id": "abc-1"})
        else:
            logger.warning("%s %s %d", "POST", "/predict", 200, extra={"status": 200, "ids": [1]})
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_json_puts_the_extra_fields_at_the_top_level() -> None:
    record = json.loads(formatted(json_formatter()))
    assert record["message"] == "POST /predict 200"
    assert (record["level"], record["logger"]) == ("WARNING", "tests.logging")
    assert record["status"] == 200 and record["ids"] == [1]
    assert record["time"].endswith("+00:00")  # ISO 8601, UTC
    assert "levelname" not in record and "msg" not in record and "args" not in record


def test_json_carries_a_traceback_in_its_own_field_on_one_line() -> None:
    output = formatted(json_formatter(), raise_first=True)
    assert output.count("\n") == 1
    record = json.loads(output)
    assert record["request_id"] == "abc-1"
    assert record["traceback"].startswith("Traceback (most recent call last)")
    assert "ValueError: the bundle is bad" in record["traceback"]


def test_text_appends_the_extra_fields_as_key_value_pairs() -> None:
    line = formatted(TextFormatter()).rstrip("\n")
    assert line.endswith("WARNING tests.logging: POST /predict 200 status=200 ids=[1]")
    text = formatted(TextFormatter(), raise_first=True)
    assert text.splitlines()[0].endswith('reload refused request_id="abc-1"')
    assert "ValueError: the bundle is bad" in text


@pytest.mark.parametrize(("terminal", "expected"), [(True, "text"), (False, "json")])
def test_the_format_follows_whether_stderr_is_a_terminal(
    monkeypatch: pytest.MonkeyPatch, terminal: bool, expected: str
) -> None:
    monkeypatch.delenv("SENTIMENT_LOG_FORMAT", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    assert Settings().log_format == expected
    monkeypatch.setenv("SENTIMENT_LOG_FORMAT", "json" if terminal else "text")
    assert Settings().log_format != expected  # the variable wins


def test_text_leaves_out_private_attributes_another_library_stamps_on_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ray, once imported, adds ``_ray_timestamp_ns`` to every record through a record factory."""
    plain = logging.getLogRecordFactory()

    def stamping(*args: object, **kwargs: object) -> logging.LogRecord:
        record = plain(*args, **kwargs)
        record._ray_timestamp_ns = 1  # type: ignore[attr-defined]
        return record

    monkeypatch.setattr(logging, "_logRecordFactory", stamping)
    line = formatted(TextFormatter()).rstrip("\n")
    assert line.endswith("POST /predict 200 status=200 ids=[1]"), line
