"""Starting the tracing back end when the settings ask for it (``SENTIMENT_TRACING``)."""

from __future__ import annotations

from app.core.config import Settings
from app.observability.tracing import Tracing


def start_tracing(settings: Settings) -> Tracing | None:
    """The tracing back end, exporting by OTLP/HTTP as the standard ``OTEL_*`` variables say;
    None when tracing is off, and then the OpenTelemetry SDK is never imported."""
    if not settings.tracing:
        return None
    try:
        from app.observability import otel  # only here: see the docstring
    except ImportError as error:
        raise RuntimeError(
            f"SENTIMENT_TRACING=true needs the OpenTelemetry SDK and OTLP exporter ({error});"
            " install the [otel] extra: pip install '.[otel]'"
        ) from error
    return otel.OtlpTracing()
