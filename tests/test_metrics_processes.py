"""Metrics of ``python -m app`` with two worker processes: every scrape, whichever worker
answers it, reports the service's totals, and replacing a dead worker neither loses nor
doubles them."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from app.core.config import Settings
from app.server.supervisor import metrics_folder
from benchmarks.harness.processes import listening_workers, wait_for_replacement
from tests.app_processes import serving_app
from tests.conftest import SHIPPED_BUNDLE

REQUESTS = 120
SCRAPES = 12


def predict_count(exposition: str, route: str = "/predict") -> float:
    """``sentiment_http_requests_total`` of successful POSTs to ``route``."""
    for family in text_string_to_metric_families(exposition):
        if family.name == "sentiment_http_requests":
            return sum(
                sample.value
                for sample in family.samples
                if sample.name.endswith("_total")
                and sample.labels == {"method": "POST", "route": route, "status": "200"}
            )
    return 0.0


def scrape(base: str) -> str:
    with httpx.Client() as client:  # a new connection each time: the kernel picks the worker
        response = client.get(f"{base}/metrics")
    assert response.status_code == 200
    return response.text


def send(base: str, count: int) -> None:
    for number in range(count):
        with httpx.Client() as client:  # new connections spread over the workers
            answer = client.post(f"{base}/predict", json={"text": f"Great film number {number}."})
        assert answer.status_code == 200


def counts_per_worker(folder: Path) -> dict[int, float]:
    """/predict 200s recorded by each process, read from its own counter file."""
    counts = {}
    for file in folder.glob("counter_*.db"):
        pid = int(file.stem.split("_")[1])
        metrics = MultiProcessCollector.merge([str(file)])
        counts[pid] = sum(
            sample.value
            for metric in metrics
            if metric.name == "sentiment_http_requests"
            for sample in metric.samples
            if sample.labels.get("route") == "/predict" and sample.labels.get("status") == "200"
        )
    return counts


def test_every_scrape_reports_the_service_totals_across_a_worker_restart(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    with serving_app(metrics_dir=folder) as service:
        process, base = service.process, service.base
        port = int(base.rsplit(":", 1)[1])
        send(base, REQUESTS)
        per_worker = counts_per_worker(folder)
        assert sum(per_worker.values()) == REQUESTS
        assert sum(1 for count in per_worker.values() if count > 0) == 2, per_worker
        assert [predict_count(scrape(base)) for _ in range(SCRAPES)] == [REQUESTS] * SCRAPES

        victim = max(per_worker, key=lambda pid: per_worker[pid])
        os.kill(victim, signal.SIGKILL)
        wait_for_replacement(process.pid, port, victim)
        # The dead worker's live gauges are gone; its counts stay in the totals.
        assert not list(folder.glob(f"gauge_livesum_{victim}.db"))
        assert (folder / f"counter_{victim}.db").exists()
        assert [predict_count(scrape(base)) for _ in range(SCRAPES)] == [REQUESTS] * SCRAPES

        send(base, REQUESTS // 2)
        expected = REQUESTS + REQUESTS // 2
        assert [predict_count(scrape(base)) for _ in range(SCRAPES)] == [expected] * SCRAPES
        in_flight = [
            sample.value
            for family in text_string_to_metric_families(scrape(base))
            if family.name == "sentiment_http_requests_in_flight"
            for sample in family.samples
        ]
        assert in_flight == [1.0]  # only the scrape itself
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    assert folder.is_dir()  # a configured folder is kept (a temporary one is removed)


def test_the_temporary_metrics_folder_is_removed_at_exit() -> None:
    with serving_app() as service:
        process, base = service.process, service.base
        worker = next(iter(listening_workers(process.pid, int(base.rsplit(":", 1)[1]))))
        folder = Path(_environment(worker)["PROMETHEUS_MULTIPROC_DIR"])
        assert list(folder.glob("counter_*.db"))
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    assert not folder.exists()


def test_a_configured_folder_that_exists_is_emptied_of_an_earlier_runs_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in a Kubernetes pod: SENTIMENT_METRICS_DIR is an emptyDir that outlives a container
    restart, so it exists and may hold the files of the container's previous run."""
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)  # restored afterwards
    folder = tmp_path / "emptydir"
    folder.mkdir()
    (folder / "counter_41.db").write_bytes(b"stale")
    (folder / "histogram_41.db").write_bytes(b"stale")
    (folder / "not-ours.txt").write_text("kept")
    settings = Settings(bundle_path=SHIPPED_BUNDLE, metrics_dir=folder)
    with metrics_folder(settings) as used:
        assert used == folder
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(folder)
        assert sorted(path.name for path in folder.iterdir()) == ["not-ours.txt"]
    assert folder.is_dir()


def _environment(pid: int) -> dict[str, str]:
    import psutil

    environ: dict[str, str] = psutil.Process(pid).environ()
    return environ
