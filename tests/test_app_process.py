"""The service as a process: ``python -m app`` and ``uvicorn app.main:app``."""

from __future__ import annotations

import http.client
import json
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
import pytest

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
        # With worker processes, one answering is not all of them: wait until each listens.
        workers = int(env["SENTIMENT_WORKERS"]) if "SENTIMENT_WORKERS" in env else 0
        while workers > 1 and len(_workers(process.pid, int(port))) < workers:
            assert time.monotonic() < deadline, "not every worker process listens after 30 s"
            time.sleep(0.05)
        yield process, base
    finally:
        if process.poll() is None:  # stop it as a service manager would
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
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


def _workers(parent: int, port: int) -> set[int]:
    """The parent's worker processes that accept connections on ``port`` (multiprocessing's
    helper process, and a worker still loading the model, do not listen)."""
    import psutil

    listening = set()
    for child in psutil.Process(parent).children():
        try:
            sockets = child.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets):
            listening.add(child.pid)
    return listening


def test_worker_processes_share_the_port_and_a_dead_one_is_replaced() -> None:
    env = {"SENTIMENT_WORKERS": "2", "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as (process, base):
        port = int(base.rsplit(":", 1)[1])
        workers = _workers(process.pid, port)
        assert len(workers) == 2
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            current = _workers(process.pid, port)
            if victim not in current and len(current) == 2:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"worker {victim} was not replaced: {_workers(process.pid, port)}")
        for _ in range(20):  # whichever process takes the connection answers
            with httpx.Client() as client:
                assert client.post(f"{base}/predict", json={"text": "Great."}).status_code == 200
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert time.monotonic() - started < 10
    assert process.returncode == 0, output
    assert "starting another" in output


def test_the_supervisor_does_not_hold_the_model_stack() -> None:
    """The parent of the workers only supervises: onnxruntime, numpy, tokenizers and the web
    stack load in the workers (about 40 MB less in the parent)."""
    code = (
        "import sys, app.__main__;"
        "heavy = {'onnxruntime', 'numpy', 'tokenizers', 'uvicorn', 'fastapi'} & set(sys.modules);"
        "sys.exit(sorted(heavy) or None)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_workers_stop_when_the_supervisor_is_killed() -> None:
    """No orphans: a worker left behind would keep serving, and share the port with the next
    start of the service."""
    import psutil

    env = {"SENTIMENT_WORKERS": "2", "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as (process, base):
        port = int(base.rsplit(":", 1)[1])
        workers = [psutil.Process(pid) for pid in _workers(process.pid, port)]
        assert len(workers) == 2
        process.kill()
        process.wait()
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"orphaned workers still running: {alive}"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/health/live")


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


def _client_ports(port: int) -> set[int]:
    """Local ports of this process's TCP connections to ``port`` that the server has taken."""
    import psutil

    return {
        c.laddr.port
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    }


def test_sigterm_under_load_answers_every_request_sent_before_it() -> None:
    """Requests on their way when SIGTERM arrives are all answered, none reset; then the
    process exits within 10 s. (The lame-duck wait lets the workers accept connections still
    queued in their listening sockets, which closing the sockets at once would reset.)"""
    from concurrent.futures import ThreadPoolExecutor

    review = "A slow, thoughtful and quite wonderful film about patience. " * 60
    env = {"SENTIMENT_WORKERS": "2", "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as (process, base):
        port = int(base.rsplit(":", 1)[1])

        def predict() -> int:
            body = {"texts": [review] * 64}
            return httpx.post(f"{base}/predict", json=body, timeout=30).status_code

        with ThreadPoolExecutor(32) as pool:
            answers = [pool.submit(predict) for _ in range(32)]
            deadline = time.monotonic() + 10
            connected: set[int] = set()  # one connection per request; early ones may be done
            while len(connected) < 32:
                assert time.monotonic() < deadline, "the clients did not connect in 10 s"
                connected |= _client_ports(port)
                time.sleep(0.005)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            statuses = [answer.result() for answer in answers]
        output, _ = process.communicate(timeout=15)
    assert statuses == [200] * 32, statuses
    assert time.monotonic() - started < 10
    assert process.returncode == 0, output


def _begin_request(port: int, text: str) -> tuple[socket.socket, bytes]:
    """Connect and send the first bytes of a prediction request; returns the socket and the
    bytes still to send."""
    body = json.dumps({"text": text}).encode()
    request = (
        f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(request[:20])
    return sock, request[20:]


def _finish_request(sock: socket.socket, rest: bytes) -> int:
    with sock:
        sock.sendall(rest)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status


def test_after_sigterm_readiness_fails_while_requests_on_their_way_are_answered() -> None:
    """The lame-duck period: load balancers see readiness fail while traffic already on its
    way (here: requests half sent when the signal arrives) and new requests are answered;
    then the service stops listening and exits."""
    env = {
        "SENTIMENT_WORKERS": "2",
        "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE),
        "SENTIMENT_SHUTDOWN_DELAY_S": "2",
    }
    with serving([sys.executable, "-m", "app"], env) as (process, base):
        port = int(base.rsplit(":", 1)[1])
        half_sent = [_begin_request(port, f"Review number {i}: a fine film.") for i in range(8)]
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        # New connections each time, so that the kernel spreads them over both workers.
        while (ready := httpx.get(f"{base}/health/ready")).status_code == 200:
            assert time.monotonic() < started + 1, "readiness still 200 a second after SIGTERM"
        assert ready.status_code == 503 and ready.json()["status"] == "stopping"
        for _ in range(8):
            late = httpx.post(f"{base}/predict", json={"text": "Still here, and still good."})
            assert late.status_code == 200, late.text
        assert [_finish_request(*request) for request in half_sent] == [200] * 8
        assert time.monotonic() - started < 2, "the checks took longer than the wait"
        output, _ = process.communicate(timeout=15)
    assert 2 <= time.monotonic() - started < 10
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
