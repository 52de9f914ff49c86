"""Whether a service is back to idle once load stops: its queue and in-flight gauges at 0 (from
``/metrics``), and single requests answered about as fast as before the load."""

from __future__ import annotations

import statistics
import time

import httpx

from benchmarks.harness.processes import eventually

QUEUE_GAUGES = (
    "sentiment_batch_queue_rows",
    "sentiment_batch_queue_texts",
    "sentiment_http_requests_in_flight",
)


def gauges(base: str) -> dict[str, float]:
    """The queue gauges as ``/metrics`` shows them now (added up over the worker processes).
    The in-flight count leaves out the scrape itself, which is in flight while it is answered."""
    text = httpx.get(f"{base}/metrics", timeout=5).text
    found = dict.fromkeys(QUEUE_GAUGES, 0.0)
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name.split("{")[0] in found:
            found[name.split("{")[0]] += float(value)
    found["sentiment_http_requests_in_flight"] -= 1
    return found


def seconds_to_idle(base: str, timeout: float) -> tuple[float | None, dict[str, float]]:
    """Seconds until every queue gauge reads 0 (None if not within ``timeout``), and the
    gauges last read."""
    started = time.monotonic()
    last: dict[str, float] = {}

    def idle() -> bool:
        last.update(gauges(base))
        return not any(last.values())

    try:
        eventually(idle, timeout, "the queue gauges back to 0", interval=0.1)
    except TimeoutError:
        return None, last
    return round(time.monotonic() - started, 2), last


def median_latency_ms(base: str, body: str, count: int) -> float:
    """The median latency of ``count`` POST /predict of ``body``, one at a time."""
    latencies = []
    with httpx.Client(base_url=base, timeout=10) as client:
        for _ in range(count):
            started = time.perf_counter()
            answer = client.post(
                "/predict", content=body, headers={"Content-Type": "application/json"}
            )
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()
    return round(statistics.median(latencies) * 1000, 2)
