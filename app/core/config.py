"""Every setting of the service, read once from ``SENTIMENT_*`` environment variables."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core import defaults
from app.core.cpus import usable_cpus
from app.paths import DEFAULT_BUNDLE


class Settings(BaseSettings):
    """Typed, validated settings; code receives this object and never reads the environment."""

    model_config = SettingsConfigDict(env_prefix="SENTIMENT_", frozen=True, extra="ignore")

    bundle_path: Path = Field(
        DEFAULT_BUNDLE,
        description="bundle folder to serve: the default model, the one a request that names no"
        " model gets",
    )
    extra_bundle_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="more bundle folders to serve beside it, comma-separated; each is addressed"
        " by its manifest's name (README: Several models)",
    )
    models_dir: Path | None = Field(
        None,
        description="serve every bundle in this folder too (each subfolder holding a"
        " manifest.json, in folder-name order), addressed by its manifest's name",
    )
    host: str = Field("127.0.0.1", description="interface to listen on (0.0.0.0 in a container)")
    port: int = Field(8000, ge=1, le=65_535, description="port to listen on")
    grpc_port: int | None = Field(
        None,
        ge=1,
        le=65_535,
        description="port of the Open Inference Protocol's gRPC form (KServe's"
        " GRPCInferenceService, as Triton's clients call it); unset: REST only. The image sets"
        " 8001",
    )

    max_batch_size: int = Field(
        64,
        ge=1,
        le=1024,
        description="texts an inference thread takes from the queue at once, at most",
    )
    forward_batch_size: int = Field(
        defaults.FORWARD_BATCH_SIZE,
        ge=1,
        le=1024,
        description="rows per session.run: a batch runs in length-ordered groups of this many"
        " (small groups are fastest for this LSTM on CPU; README: Benchmark)",
    )
    workers: int = Field(
        default_factory=lambda: usable_cpus(),
        ge=1,
        le=64,
        description="server processes started by python -m app, sharing the port",
        json_schema_extra={
            "shown_default": "one per usable CPU: the CPU affinity, capped by the cgroup CPU"
            " quota (docker run --cpus, Kubernetes limits)"
        },
    )
    supervised: bool = Field(
        False,
        description="set by python -m app in the worker processes it supervises (leave it"
        " unset): their POST /admin/reload asks the supervisor to reload every worker",
    )
    shared_graphs_dir: Path | None = Field(
        None,
        description="set by python -m app in the worker processes it supervises (leave it"
        " unset): a folder of the supervisor's where each model's graph is saved once with"
        " its weights, which every worker maps into memory and so shares",
    )
    inference_workers: int = Field(
        1, ge=1, le=64, description="threads per process running the model side by side"
    )
    max_wait_ms: float = Field(
        0.0,
        ge=0.0,
        le=100.0,
        description="milliseconds a batch that is not full waits for more texts once the model"
        " is free; 0 runs at once (batches still form from texts that arrive while it is busy)",
    )
    inline_rows: int = Field(
        defaults.INLINE_ROWS,
        ge=0,
        le=1024,
        description="a batch of short texts of at most this many rows runs on the event loop's"
        " thread when nothing else waits or runs (faster at light load); 0: always in a thread",
    )
    max_queue_rows: int = Field(
        2048,
        ge=1,
        description="model rows of short texts (one row each: read within the model's window)"
        " waiting for the model at most; beyond, 503 with Retry-After at once. Costly work"
        " (chunked reading, explanations) waits apart, bounded by its own caps and the deadline",
    )
    max_queue_texts: int | None = Field(
        None,
        ge=1,
        description="deprecated alias of SENTIMENT_MAX_QUEUE_ROWS, read when that is unset (a"
        " warning is logged); removed in the next release",
    )
    max_explain_rows: int = Field(
        4096,
        ge=1,
        description="model rows of POST /explain work in progress (queued or running) per"
        " process at most; beyond, 503 with Retry-After (one request alone always runs)",
    )
    max_chunk_rows: int = Field(
        2048,
        ge=1,
        description="model rows of chunked reading (texts longer than the window read whole) in"
        " progress per process at most; beyond, 503 with Retry-After (one request alone always"
        " runs)",
    )
    request_timeout_ms: float = Field(
        10_000,
        ge=1,
        le=600_000,
        description="milliseconds within which a prediction is answered; past them, 504 and its"
        " queued texts are dropped",
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0.0,
        le=600.0,
        description="seconds a client has to send a request's headers (from connecting, or"
        " from the request's first byte); beyond, 408 and the connection is closed",
    )
    body_timeout_s: float = Field(
        30.0,
        gt=0.0,
        le=600.0,
        description="seconds a client has to send a request's whole body once its headers are"
        " in; beyond, 408 and the connection is closed",
    )
    keep_alive_s: float = Field(
        75.0,
        gt=0.0,
        le=3600.0,
        description="seconds an idle keep-alive connection stays open; keep it above the idle"
        " timeout of the clients and load balancers in front, so that they close it first",
    )
    max_connections: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="open connections per server process; requests on connections beyond them"
        " get 503 with Retry-After and their connection is closed",
    )
    shutdown_delay_s: float = Field(
        1.0,
        ge=0.0,
        le=5.0,
        description="after SIGTERM, seconds the service still accepts and answers requests while"
        " readiness answers 503, so load balancers stop sending before it stops listening (raise"
        " it to your load balancer's probe interval)",
    )

    long_text: Literal["truncate", "chunk"] = Field(
        defaults.LONG_TEXT,
        description="how a text longer than the model's window is read when a request does not"
        " say: 'truncate' (the window the model was trained on) or 'chunk' (overlapping windows,"
        " pooled)",
    )
    chunk_overlap: int | None = Field(
        None,
        ge=0,
        le=100_000,
        description="tokens shared by neighbouring windows of a chunked text, below every served"
        " model's window; unset: each model's own choice (its manifest's chunking), else 0",
    )
    chunk_pooling: Literal["mean", "logit_mean", "max_confidence"] | None = Field(
        None,
        description="how window scores of a chunked text become one score; unset: each model's"
        " own choice (its manifest's chunking, made on validation), else max_confidence",
    )
    max_explain_tokens: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="tokens POST /explain weighs per request at most (422 beyond); each costs"
        " one row of the model",
    )
    max_sentences_per_request: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="sentences scored per request with sentences=true (422 beyond)",
    )
    max_texts_per_request: int = Field(
        256, ge=1, le=10_000, description="texts in one request at most (422)"
    )
    max_text_chars: int = Field(
        100_000, ge=1, le=1_000_000, description="characters in one text at most (422)"
    )
    max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="request body limit (413)"
    )

    metrics: bool = Field(
        True, description="record Prometheus metrics and serve them at GET /metrics (off: neither)"
    )
    metrics_dir: Path | None = Field(
        None,
        description="where the worker processes of python -m app keep their metric files"
        " (emptied of *.db at start; a temporary one is removed at exit)",
        json_schema_extra={"shown_default": "a new temporary folder"},
    )

    onnx_intra_op_threads: int = Field(
        1,
        ge=1,
        le=64,
        description="onnxruntime threads per session.run (processes already use the cores)",
    )
    log_level: Literal["debug", "info", "warning", "error", "critical"] = Field(
        "info", description="the least severe records logged"
    )
    log_format: Literal["json", "text"] = Field(
        default_factory=lambda: "text" if sys.stderr.isatty() else "json",
        description="json: every log record is one JSON object per line (for log shippers);"
        " text: one readable line per record",
        json_schema_extra={"shown_default": "text on a terminal, json otherwise"},
    )
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
        description="if set (16+ characters), POST /predict, POST /explain and V2 infer need it"
        " in X-API-Key or Authorization: Bearer; compared in constant time; 401 otherwise",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="enables POST /admin/reload for callers sending it in X-Admin-Token (16+"
        " characters)",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins allowed to call the API, comma-separated; without it"
        " browsers get no CORS headers",
    )

    @model_validator(mode="before")
    @classmethod
    def _queue_texts_alias(cls, data: object) -> object:
        """SENTIMENT_MAX_QUEUE_TEXTS, the old name, sets the queue bound if the new one is
        unset (the lifespan logs that it is deprecated)."""
        if isinstance(data, dict) and data.get("max_queue_texts") is not None:
            data = {"max_queue_rows": data["max_queue_texts"], **data}
        return data

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
