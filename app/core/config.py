"""Every setting of the service, read once from ``SENTIMENT_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.paths import DEFAULT_BUNDLE


class Settings(BaseSettings):
    """Typed, validated settings; code receives this object and never reads the environment."""

    model_config = SettingsConfigDict(env_prefix="SENTIMENT_", frozen=True, extra="ignore")

    bundle_path: Path = Field(
        DEFAULT_BUNDLE,
        description="model bundle folder to serve: the default model, used when a request names"
        " none",
    )
    extra_bundle_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="more bundle folders to serve beside the default (comma-separated); each is"
        " addressed by its manifest's name",
    )
    models_dir: Path | None = Field(
        None,
        description="serve every bundle in this folder too (each subfolder holding a"
        " manifest.json), addressed by its manifest's name",
    )
    host: str = Field("127.0.0.1", description="interface to listen on (0.0.0.0 in containers)")
    port: int = Field(8000, ge=1, le=65_535)

    max_batch_size: int = Field(
        64, ge=1, le=1024, description="texts a worker takes from the queue at once, at most"
    )
    forward_batch_size: int = Field(
        4,
        ge=1,
        le=1024,
        description="rows per session.run: a worker's texts run in length-ordered groups of"
        " this many (small groups are fastest for this LSTM on CPU)",
    )
    workers: int = Field(
        default_factory=lambda: len(os.sched_getaffinity(0)),
        ge=1,
        le=64,
        description="server processes (python -m app); default one per usable CPU core",
    )
    supervised: bool = Field(
        False,
        description="whether this process is a worker of python -m app's supervisor (which sets"
        " it): an admin reload then asks the supervisor to reload every worker",
    )
    inference_workers: int = Field(
        1, ge=1, le=64, description="threads per process running the model side by side"
    )
    max_wait_ms: float = Field(
        0.0,
        ge=0.0,
        le=100.0,
        description="how long a batch that is not full waits for more texts once the model is"
        " free; 0 = run at once (batches still form from texts that arrive while it is busy)",
    )
    max_queue_texts: int = Field(
        2048, ge=1, description="texts waiting for the model at most; beyond, 503 + Retry-After"
    )

    request_timeout_ms: float = Field(
        10_000,
        ge=1,
        le=600_000,
        description="a prediction not answered within this long gets 504 and its work is dropped",
    )

    shutdown_delay_s: float = Field(
        1.0,
        ge=0.0,
        le=5.0,
        description="after SIGTERM, seconds the service still accepts and answers requests while"
        " readiness answers 503, so load balancers stop sending before it stops listening",
    )

    long_text: Literal["truncate", "chunk"] = Field(
        "truncate",
        description="how a text longer than the model's window is read when a request does not"
        " say: 'truncate' (the window the model was trained on) or 'chunk' (overlapping windows,"
        " pooled)",
    )
    chunk_overlap: int = Field(
        0,
        ge=0,
        le=100_000,
        description="tokens shared by neighbouring windows of a chunked text (below the model's"
        " window; chosen on validation by python -m training.long_text)",
    )
    chunk_pooling: Literal["mean", "logit_mean", "max_confidence"] = Field(
        "max_confidence",
        description="how window scores of a chunked text become one score (chosen on validation"
        " by python -m training.long_text)",
    )
    max_explain_tokens: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="tokens POST /explain weighs per request at most (each costs one model row)",
    )
    max_sentences_per_request: int = Field(
        1000, ge=1, le=100_000, description="sentences scored per request with sentences=true"
    )

    max_texts_per_request: int = Field(256, ge=1, le=10_000)
    max_text_chars: int = Field(100_000, ge=1, le=1_000_000)
    max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="request body limit (413)"
    )

    metrics: bool = Field(
        True, description="record Prometheus metrics and serve them at GET /metrics"
    )
    metrics_dir: Path | None = Field(
        None,
        description="folder for the worker processes' metric files (python -m app with several"
        " workers); default a new temporary folder, removed at exit",
    )

    onnx_intra_op_threads: int = Field(
        1, ge=1, le=64, description="onnxruntime threads per session.run"
    )
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    log_texts: bool = Field(
        False, description="include review text in request logs and the prediction log"
    )
    prediction_log: str | None = Field(
        None,
        description="write one JSON line per scored text (request ID, model, version, label,"
        " scores, tokens) to this file, or to standard output with '-', for drift monitoring;"
        " off by default",
    )
    prediction_log_queue: int = Field(
        1000,
        ge=1,
        le=1_000_000,
        description="requests whose prediction log lines may wait for the writer at most;"
        " beyond, their lines are dropped (and counted) rather than slow a request",
    )
    tracing: bool = Field(
        False,
        description="export OpenTelemetry traces of each request (HTTP, queue wait, tokenize,"
        " model run) by OTLP/HTTP, configured by the standard OTEL_* variables"
        " (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, ...); needs the [otel] extra",
    )

    api_key: SecretStr | None = Field(
        None,
        description="if set, POST /predict needs it in X-API-Key (or Authorization: Bearer)",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="enables POST /admin/reload for callers sending it in X-Admin-Token",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins allowed to call the API (comma-separated); none by default",
    )

    @field_validator("cors_origins", "extra_bundle_paths", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("prediction_log")
    @classmethod
    def _unset_when_empty(cls, value: str | None) -> str | None:
        return value or None  # SENTIMENT_PREDICTION_LOG= (empty) means off, not a file named ""

    @field_validator("api_key", "admin_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("keys and tokens must be at least 16 characters")
        return value
