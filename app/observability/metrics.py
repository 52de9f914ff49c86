"""Prometheus metrics of the service (prometheus-client), for every layer that records them.

One ``ServiceMetrics`` per process holds every metric. In a single process they live in its
own registry. Under ``python -m app`` each worker process writes its values to memory-mapped
files in one shared folder (prometheus-client's multiprocess mode: the supervisor sets
``PROMETHEUS_MULTIPROC_DIR`` before it starts the workers), and whichever worker answers a
scrape merges the files of all of them, dead ones included, so a scrape reports the service's
totals, not one process's.

This module imports neither the web stack nor the settings: the batcher and the model
pipeline record into it.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector

# Latency buckets from 0.25 ms (a short text on an idle service) to the 10 s default deadline.
LATENCY_BUCKETS = (
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
)  # fmt: skip
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
# Up to the model's window of 500 tokens, then texts read whole in windows (long_text chunk).
TOKEN_BUCKETS = (0, 5, 10, 20, 50, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 20000)
WINDOW_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 32, 64)
MODEL = ("model", "version")


class ModelMetrics:
    """The metrics of one loaded model, with its name and version as labels."""

    def __init__(self, metrics: ServiceMetrics, name: str, version: str) -> None:
        self.run_seconds = metrics.model_run_seconds.labels(name, version)
        self.batch_texts = metrics.batch_texts.labels(name, version)
        self.text_tokens = metrics.text_tokens.labels(name, version)
        self.truncated = metrics.texts_truncated.labels(name, version)
        self.text_windows = metrics.text_windows.labels(name, version)
        self._predictions = metrics.predictions
        self._model = (name, version)

    def count_labels(self, labels: Sequence[str]) -> None:
        """The labels the model gave a batch's texts, one per text."""
        for label in set(labels):
            self._predictions.labels(*self._model, label).inc(labels.count(label))

    def observe_batch(
        self, tokens: Sequence[int], truncated: int, windows: Sequence[int] = ()
    ) -> None:
        """One batch of texts given to the model: its size, each text's tokens, how many were
        cut, and for texts read whole (chunking) how many windows each took."""
        self.batch_texts.observe(len(tokens))
        observe_all(self.text_tokens, tokens)
        if truncated:
            self.truncated.inc(truncated)
        observe_all(self.text_windows, windows)


class ServiceMetrics:
    """Every metric of the service (the README lists them with their meaning)."""

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        if multiprocess_dir is not None and not getattr(values.ValueClass, "_multiprocess", False):
            raise RuntimeError(
                "prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set"
            )
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self._declare_http(registry)
        self._declare_batching(registry)
        self._declare_texts(registry)
        self._declare_models(registry)
        self._served: dict[str, str] = {}  # model name -> the version serving now

    def _declare_http(self, registry: CollectorRegistry) -> None:
        """Requests by route and status, their latency, and those in flight."""
        self.requests = Counter(
            "sentiment_http_requests",
            "HTTP requests answered, by method, route template and status code",
            ["method", "route", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "sentiment_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "sentiment_http_requests_in_flight",
            "HTTP requests being answered now",
            registry=registry,
            multiprocess_mode="livesum",
        )

    def _declare_batching(self, registry: CollectorRegistry) -> None:
        """The batch queue and the model's runs."""
        self.queue_texts = Gauge(
            "sentiment_batch_queue_texts",
            "Texts waiting in the batch queue for the model",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.queue_rows = Gauge(
            "sentiment_batch_queue_rows",
            "Model rows waiting in the batch queue (a chunked text counts its windows, an"
            " explanation its occlusion rows): what the queue bound counts",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.queue_wait_seconds = Histogram(
            "sentiment_batch_queue_wait_seconds",
            "Time each text waited in the batch queue before its batch started",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_texts = Histogram(
            "sentiment_batch_texts",
            "Texts per batch given to the model",
            MODEL,
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.model_run_seconds = Histogram(
            "sentiment_model_run_seconds",
            "Time of each onnxruntime session.run (a batch runs as groups of forward_batch_size)",
            MODEL,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def _declare_texts(self, registry: CollectorRegistry) -> None:
        """What happened to the texts: tokens read, truncated, windows, shed, expired."""
        self.text_tokens = Histogram(
            "sentiment_text_tokens",
            "Tokens the model read per text",
            MODEL,
            buckets=TOKEN_BUCKETS,
            registry=registry,
        )
        self.texts_truncated = Counter(
            "sentiment_texts_truncated",
            "Texts longer than the model reads, cut at its max length",
            MODEL,
            registry=registry,
        )
        self.text_windows = Histogram(
            "sentiment_text_windows",
            "Windows of the model's length a text read whole was scored in (long_text chunk)",
            MODEL,
            buckets=WINDOW_BUCKETS,
            registry=registry,
        )
        self.predictions = Counter(
            "sentiment_predictions",
            "Texts the model labelled, by model, version and the label it gave",
            [*MODEL, "label"],
            registry=registry,
        )
        self.texts_shed = Counter(
            "sentiment_texts_shed",
            "Texts refused with 503: the queue was full, or the service was shutting down",
            ["reason"],
            registry=registry,
        )
        self.requests_shed_unread = Counter(
            "sentiment_requests_shed_unread",
            "Scoring requests refused with 503 before their body was read (the queue was full;"
            " their texts are not counted in sentiment_texts_shed)",
            registry=registry,
        )
        self.texts_expired = Counter(
            "sentiment_texts_expired",
            "Texts of requests answered 504: not scored within the request deadline",
            registry=registry,
        )
        self.prediction_log_dropped = Counter(
            "sentiment_prediction_log_dropped_lines",
            "Prediction log lines not written: the writer was behind (queue_full) or the"
            " write failed (write_error)",
            ["reason"],
            registry=registry,
        )

    def _declare_models(self, registry: CollectorRegistry) -> None:
        """Which model serves, its accuracy, and the reloads."""
        self.model_info = Gauge(
            "sentiment_model_info",
            "1 for the model being served, 0 for one a reload replaced",
            MODEL,
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.model_test_accuracy = Gauge(
            "sentiment_model_test_accuracy",
            "Accuracy of the served model on its test split, from its bundle's manifest",
            MODEL,
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.reloads = Counter(
            "sentiment_model_reloads",
            "Hot reloads of the bundle, by outcome (succeeded, failed)",
            ["outcome"],
            registry=registry,
        )
        self.last_reload = Gauge(
            "sentiment_model_last_reload_timestamp_seconds",
            "Unix time of the last reload, by outcome",
            ["outcome"],
            registry=registry,
            multiprocess_mode="max",
        )

    def for_model(self, name: str, version: str) -> ModelMetrics:
        return ModelMetrics(self, name, version)

    def serving(self, name: str, version: str, test_accuracy: float | None) -> None:
        """Record which version of a model serves now (at start-up and after each reload)."""
        replaced = self._served.get(name)
        if replaced is not None and replaced != version:
            self.model_info.labels(name, replaced).set(0)
        self._served[name] = version
        self.model_info.labels(name, version).set(1)
        if test_accuracy is not None:
            self.model_test_accuracy.labels(name, version).set(test_accuracy)

    def reloaded(self, succeeded: bool) -> None:
        outcome = "succeeded" if succeeded else "failed"
        self.reloads.labels(outcome).inc()
        self.last_reload.labels(outcome).set(time.time())

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in Prometheus' text format, and its content type. With worker
        processes, merged from the files of every worker that ran since start-up."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=str(self.multiprocess_dir))
        return generate_latest(merged), CONTENT_TYPE_LATEST


def observe_all(histogram: Histogram, observations: Sequence[float]) -> None:
    """``histogram.observe`` for each value, with one write per bucket touched instead of two
    per value: in multiprocess mode each write is a locked store into a memory-mapped file."""
    if not observations:
        return
    if len(observations) == 1:
        histogram.observe(observations[0])
        return
    bounds = histogram._upper_bounds  # the library's storage: one value per bucket, and a sum
    counts = [0] * len(bounds)
    for value in observations:
        counts[bisect.bisect_left(bounds, value)] += 1  # the first bucket with value <= bound
    for bucket, count in zip(histogram._buckets, counts, strict=True):
        if count:
            bucket.inc(count)
    histogram._sum.inc(sum(observations))
