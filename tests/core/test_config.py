"""Settings come from SENTIMENT_* variables and refuse unsafe values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.paths import DEFAULT_BUNDLE


def test_defaults_serve_the_shipped_bundle_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in __import__("os").environ if n.startswith("SENTIMENT_")]:
        monkeypatch.delenv(name)
    settings = Settings()
    assert settings.bundle_path == DEFAULT_BUNDLE and DEFAULT_BUNDLE.name == "imdb-sentiment"
    # models/imdb-sentiment of the repository, wherever the command is started from
    assert Path(__file__).resolve().parents[2] / "models" / "imdb-sentiment" == DEFAULT_BUNDLE
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.max_texts_per_request == 256 and settings.max_text_chars == 100_000
    assert settings.log_texts is False


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMENT_BUNDLE_PATH", "/bundles/other")
    monkeypatch.setenv("SENTIMENT_MAX_BATCH_SIZE", "16")
    monkeypatch.setenv("SENTIMENT_LOG_LEVEL", "warning")
    settings = Settings()
    assert settings.bundle_path == Path("/bundles/other")
    assert settings.max_batch_size == 16 and settings.log_level == "warning"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SENTIMENT_MAX_BATCH_SIZE", "0"),
        ("SENTIMENT_PORT", "70000"),
        ("SENTIMENT_MAX_WAIT_MS", "-1"),
        ("SENTIMENT_MAX_BODY_BYTES", "10"),
        ("SENTIMENT_LOG_LEVEL", "verbose"),
        ("SENTIMENT_ONNX_INTRA_OP_THREADS", "0"),
    ],
)
def test_unsafe_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        Settings()
