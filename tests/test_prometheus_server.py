"""A real Prometheus server (Debian's ``prometheus``) scrapes ``python -m app`` with two worker
processes; its query API then reports the service's request total and a latency quantile
that agrees with the service's own histogram."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.harness.processes import eventually, free_port, serving, stop
from tests.conftest import SHIPPED_BUNDLE

PROMETHEUS = shutil.which("prometheus")
pytestmark = pytest.mark.skipif(
    PROMETHEUS is None, reason="the prometheus server is not installed (apt-get install prometheus)"
)
REQUESTS = 60
TOTAL = 'sum(sentiment_http_requests_total{route="/predict",status="200"})'
BUCKETS = 'sum by (le) (sentiment_http_request_duration_seconds_bucket{route="/predict"})'


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """The service's URL, and Prometheus' URL and process (it scrapes the service every
    second)."""
    env = {
        "SENTIMENT_WORKERS": "2",
        "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE),
        "SENTIMENT_LOG_LEVEL": "warning",
    }
    with serving([sys.executable, "-m", "app"], env) as service:
        base = service.base
        target = base.removeprefix("http://")
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n"
            f"  - job_name: sentiment\n    static_configs:\n      - targets: ['{target}']\n"
        )
        with running_prometheus(config, tmp_path / "data") as (url, process):
            wait_for(lambda: query(url, 'up{job="sentiment"}') == 1.0, "target up", process)
            yield base, url, process


@contextmanager
def running_prometheus(config: Path, storage: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A Prometheus server with this configuration on a free loopback port, once it is ready:
    its URL and process."""
    assert PROMETHEUS is not None
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={storage}",
            f"--web.listen-address={url.removeprefix('http://')}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: _ready(url), "Prometheus ready", process)
        yield url, process
    finally:
        stop(process)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def query(url: str, expression: str) -> float | None:
    """The value of an instant query with one result, or None while it has none."""
    answer = httpx.get(f"{url}/api/v1/query", params={"query": expression}, timeout=5).json()
    assert answer["status"] == "success", answer
    results = answer["data"]["result"]
    return float(results[0]["value"][1]) if results else None


def wait_for(condition: Callable[[], object], what: str, process: subprocess.Popen[str]) -> None:
    def holds() -> object:
        if process.poll() is not None:
            raise AssertionError(
                f"prometheus exited: {process.stderr.read() if process.stderr else ''}"
            )
        return condition()

    eventually(holds, 60, what, interval=0.2)


def quantile(q: float, buckets: dict[float, float]) -> float:
    """Prometheus' histogram_quantile over cumulative bucket counts (upper bound -> count)."""
    bounds = sorted(buckets)
    rank = q * buckets[math.inf]
    previous_bound, previous_count = 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if bound == math.inf:
                return previous_bound
            share = (rank - previous_count) / (buckets[bound] - previous_count)
            return previous_bound + (bound - previous_bound) * share
        previous_bound, previous_count = bound, buckets[bound]
    raise AssertionError("no bucket reaches the rank")


def test_prometheus_reports_the_request_total_and_a_latency_quantile(
    prometheus: tuple[str, str, subprocess.Popen[str]],
) -> None:
    service, url, process = prometheus
    for number in range(REQUESTS):
        with httpx.Client() as client:  # new connections: both workers answer some
            answer = client.post(f"{service}/predict", json={"text": f"Fine film {number}."})
            assert answer.status_code == 200
    wait_for(lambda: query(url, TOTAL) == REQUESTS, f"Prometheus total = {REQUESTS}", process)

    p90 = query(url, f"histogram_quantile(0.9, {BUCKETS})")
    assert p90 is not None and 0 < p90 < 10
    # The same quantile from the service's own exposition (no request since: same counts).
    exposition = httpx.get(f"{service}/metrics").text
    buckets = {
        float(sample.labels["le"]): sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "sentiment_http_request_duration_seconds"
        for sample in family.samples
        if sample.name.endswith("_bucket") and sample.labels["route"] == "/predict"
    }
    assert buckets[math.inf] == REQUESTS
    assert p90 == pytest.approx(quantile(0.9, buckets), rel=1e-9)
