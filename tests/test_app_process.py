"""The service as a process: ``python -m app`` and ``uvicorn app.main:app``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.inference.conftest import SHIPPED_BUNDLE

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = env.get("SENTIMENT_PORT") or str(free_port())
    env = {**os.environ, "SENTIMENT_PORT": port, **env}
    process = subprocess.Popen(
        [c.replace("{port}", port) for c in command],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            process.kill()
            raise AssertionError(f"not ready in 30 s:\n{process.communicate()[0]}")
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_python_m_app_serves_and_stops_on_sigterm() -> None:
    with serving([sys.executable, "-m", "app"], {"SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}) as (
        process,
        base,
    ):
        response = httpx.post(f"{base}/predict", json={"text": "A wonderful, moving film."})
        assert response.status_code == 200
        assert response.json()["predictions"][0]["label"] == "positive"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    # uvicorn shuts down gracefully, then re-raises the signal: the conventional exit status.
    assert process.returncode in (0, -signal.SIGTERM), output
    assert '"path": "/predict", "status": 200' in output  # one access line per request
    assert "A wonderful, moving film" not in output  # review text is not logged


def test_uvicorn_import_string_works() -> None:
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "{port}"]
    with serving(command, {"SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}) as (_process, base):
        assert httpx.get(f"{base}/model").json()["name"] == "imdb-sentiment"


def start_and_fail(bundle: Path) -> subprocess.CompletedProcess[str]:
    """``python -m app`` on a bundle it must refuse; returns the finished process."""
    env = {**os.environ, "SENTIMENT_BUNDLE_PATH": str(bundle), "SENTIMENT_PORT": str(free_port())}
    return subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env
    )


def test_corrupt_bundle_stops_start_up_with_one_line(tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(SHIPPED_BUNDLE, tmp_path / "bundle"))
    (bundle / "model.onnx").write_bytes(b"not a graph")
    result = start_and_fail(bundle)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "model.onnx: checksum mismatch" in lines[0] and str(bundle) in lines[0]


def test_missing_bundle_names_the_path(tmp_path: Path) -> None:
    result = start_and_fail(tmp_path / "nope")
    assert result.returncode == 1
    assert f"{tmp_path / 'nope'}: bundle directory not found" in result.stderr


def test_healthcheck_command_follows_readiness() -> None:
    port = str(free_port())
    check = [sys.executable, "-m", "app.healthcheck"]
    env = {**os.environ, "SENTIMENT_PORT": port}
    assert subprocess.run(check, cwd=ROOT, env=env, timeout=10).returncode == 1  # nothing there
    with serving([sys.executable, "-m", "app"], {"SENTIMENT_PORT": port}):
        assert subprocess.run(check, cwd=ROOT, env=env, timeout=10).returncode == 0


def _workers(parent: int) -> set[int]:
    """The parent's worker processes (multiprocessing may add a helper; it is not one)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return {
        int(pid)
        for pid in children
        if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    }


def test_worker_processes_share_the_port_and_a_dead_one_is_replaced() -> None:
    env = {"SENTIMENT_WORKERS": "2", "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as (process, base):
        workers = _workers(process.pid)
        assert len(workers) == 2
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = _workers(process.pid)
            if victim not in current and len(current) == 2:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"worker {victim} was not replaced: {_workers(process.pid)}")
        for _ in range(20):  # whichever process takes the connection answers
            with httpx.Client() as client:
                assert client.post(f"{base}/predict", json={"text": "Great."}).status_code == 200
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert time.monotonic() - started < 10
    assert process.returncode == 0, output
    assert "starting another" in output


def test_a_taken_port_stops_start_up_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env = {**os.environ, "SENTIMENT_PORT": port, "SENTIMENT_WORKERS": "2"}
        result = subprocess.run(
            [sys.executable, "-m", "app"], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env=env,
        )  # fmt: skip
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_sigterm_under_load_answers_every_accepted_request() -> None:
    """Requests in flight when SIGTERM arrives are all answered; then the process exits."""
    from concurrent.futures import ThreadPoolExecutor

    review = "A slow, thoughtful and quite wonderful film about patience. " * 60
    env = {"SENTIMENT_WORKERS": "2", "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as (process, base):

        def predict() -> int:
            body = {"texts": [review] * 64}
            return httpx.post(f"{base}/predict", json=body, timeout=30).status_code

        with ThreadPoolExecutor(32) as pool:
            answers = [pool.submit(predict) for _ in range(32)]
            time.sleep(0.3)  # every request is sent and being scored
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            statuses = [answer.result() for answer in answers]
        output, _ = process.communicate(timeout=15)
    assert statuses == [200] * 32, statuses
    assert time.monotonic() - started < 10
    assert process.returncode == 0, output


def _versions(base: str, tries: int = 16) -> set[str]:
    """The bundle versions the worker processes report (a new connection each time, so the
    kernel spreads them over the workers)."""
    return {httpx.get(f"{base}/model").json()["version"] for _ in range(tries)}


def _wait_for_version(base: str, version: str) -> None:
    deadline = time.monotonic() + 30
    while (seen := _versions(base)) != {version}:
        assert time.monotonic() < deadline, f"still serving {seen}"
        time.sleep(0.2)


def test_sighup_and_the_admin_endpoint_reload_every_worker(bundle_copy: Path) -> None:
    import json

    def set_version(version: str) -> None:
        path = bundle_copy / "manifest.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "version": version}))

    token = "admin-token-0123456789"
    env = {
        "SENTIMENT_WORKERS": "2",
        "SENTIMENT_BUNDLE_PATH": str(bundle_copy),
        "SENTIMENT_ADMIN_TOKEN": token,
    }
    with serving([sys.executable, "-m", "app"], env) as (process, base):
        assert _versions(base) == {"1.0.0"}
        set_version("1.1.0")
        process.send_signal(signal.SIGHUP)
        _wait_for_version(base, "1.1.0")
        set_version("1.2.0")
        answer = httpx.post(f"{base}/admin/reload", headers={"X-Admin-Token": token})
        assert answer.status_code == 200 and answer.json()["model"]["version"] == "1.2.0"
        _wait_for_version(base, "1.2.0")
        (bundle_copy / "model.onnx").write_bytes(b"corrupt")
        process.send_signal(signal.SIGHUP)  # refused: everyone keeps serving 1.2.0
        time.sleep(2)
        assert _versions(base) == {"1.2.0"}
        assert httpx.post(f"{base}/predict", json={"text": "Great."}).status_code == 200
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert "reload refused, still serving the old bundle" in output
