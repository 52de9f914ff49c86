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
from pathlib import Path

import httpx
import pytest

from app.paths import REPOSITORY
from benchmarks.harness.processes import (
    WAIT_SECONDS,
    eventually,
    free_port,
    listening_workers,
    serving,
    wait_for_replacement,
)
from tests.app_processes import fresh_interpreter
from tests.conftest import SHIPPED_BUNDLE, SHIPPED_VERSION

# Lines that show a stop that overran its budget (SENTIMENT_SHUTDOWN_DELAY_S plus draining within
# 8 s in a worker, 9.5 s in the supervisor: app.__main__, app.server.supervisor): a test that
# finds neither knows the service stopped within 10 s, however slow the machine made it.
OVERRAN = ("timeout graceful shutdown exceeded", "did not stop in time")


def stopped_in_time(output: str) -> bool:
    return not any(line in output for line in OVERRAN)


def test_python_m_app_serves_and_stops_on_sigterm() -> None:
    env = {"SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as service:
        process = service.process
        response = httpx.post(f"{service.base}/predict", json={"text": "A wonderful, moving film."})
        assert response.status_code == 200
        assert response.json()["predictions"][0]["label"] == "positive"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=WAIT_SECONDS)
        output = service.output.complete()
    # uvicorn shuts down gracefully, then re-raises the signal: the conventional exit status.
    assert process.returncode in (0, -signal.SIGTERM), output
    assert '"path": "/predict", "status": 200' in output  # one access line per request
    assert "A wonderful, moving film" not in output  # review text is not logged


def test_uvicorn_import_string_works() -> None:
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", "{port}"]
    with serving(command, {"SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}) as service:
        assert httpx.get(f"{service.base}/model").json()["name"] == "imdb-sentiment"


def start_and_fail(bundle: Path) -> subprocess.CompletedProcess[str]:
    """``python -m app`` on a bundle it must refuse; returns the finished process."""
    env = {**os.environ, "SENTIMENT_BUNDLE_PATH": str(bundle), "SENTIMENT_PORT": str(free_port())}
    return subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_corrupt_bundle_stops_start_up_with_one_line(tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(SHIPPED_BUNDLE, tmp_path / "bundle"))
    (bundle / "model.onnx").write_bytes(b"not a graph")
    result = start_and_fail(bundle)
    assert result.returncode == 3  # app.__main__.ExitStatus.BAD_BUNDLE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "model.onnx: checksum mismatch" in lines[0] and str(bundle) in lines[0]


def test_missing_bundle_names_the_path(tmp_path: Path) -> None:
    result = start_and_fail(tmp_path / "nope")
    assert result.returncode == 3
    assert f"{tmp_path / 'nope'}: bundle directory not found" in result.stderr


def test_healthcheck_command_follows_readiness() -> None:
    port = str(free_port())
    check = [sys.executable, "-m", "app.healthcheck"]
    env = {**os.environ, "SENTIMENT_PORT": port}
    assert (
        subprocess.run(check, cwd=REPOSITORY, env=env, timeout=10).returncode == 1
    )  # nothing there
    with serving([sys.executable, "-m", "app"], {"SENTIMENT_PORT": port}):
        assert subprocess.run(check, cwd=REPOSITORY, env=env, timeout=10).returncode == 0


def test_worker_processes_share_the_port_and_a_dead_one_is_replaced() -> None:
    env = {"SENTIMENT_WORKERS": "2", "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as service:
        process, base, port = service.process, service.base, service.port
        workers = listening_workers(process.pid, port)
        assert len(workers) == 2
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        wait_for_replacement(process.pid, port, victim, WAIT_SECONDS)
        for _ in range(20):  # whichever process takes the connection answers
            with httpx.Client() as client:
                assert client.post(f"{base}/predict", json={"text": "Great."}).status_code == 200
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=WAIT_SECONDS)
        output = service.output.complete()
    assert process.returncode == 0, output
    assert stopped_in_time(output), output
    assert "starting another" in output


def test_the_supervisor_does_not_hold_the_model_stack() -> None:
    """The parent of the workers only supervises: onnxruntime, numpy, tokenizers and the web
    stack load in the workers (about 40 MB less in the parent)."""
    code = (
        "import sys, app.__main__;"
        "heavy = {'onnxruntime', 'numpy', 'tokenizers', 'uvicorn', 'fastapi'} & set(sys.modules);"
        "sys.exit(sorted(heavy) or None)"
    )
    result = fresh_interpreter(code)
    assert result.returncode == 0, result.stderr


def test_workers_stop_when_the_supervisor_is_killed() -> None:
    """No orphans: a worker left behind would keep serving, and share the port with the next
    start of the service."""
    import psutil

    env = {"SENTIMENT_WORKERS": "2", "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    with serving([sys.executable, "-m", "app"], env) as service:
        process = service.process
        workers = [psutil.Process(pid) for pid in listening_workers(process.pid, service.port)]
        assert len(workers) == 2
        process.kill()
        process.wait()
        _gone, alive = psutil.wait_procs(workers, timeout=WAIT_SECONDS)
        assert not alive, f"orphaned workers still running: {alive}"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{service.base}/health/live")


def test_a_taken_port_stops_start_up_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env = {**os.environ, "SENTIMENT_PORT": port, "SENTIMENT_WORKERS": "2"}
        result = subprocess.run(
            [sys.executable, "-m", "app"], cwd=REPOSITORY, capture_output=True, text=True,
            timeout=60, env=env,
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
    with serving([sys.executable, "-m", "app"], env) as service:
        process, base, port = service.process, service.base, service.port

        def predict() -> int:
            # 512 long reviews in all: still being scored when SIGTERM comes, and answered well
            # within the 8 s stop budget even on a loaded 2-core machine.
            body = {"texts": [review] * 16}
            return httpx.post(f"{base}/predict", json=body, timeout=30).status_code

        with ThreadPoolExecutor(32) as pool:
            answers = [pool.submit(predict) for _ in range(32)]

            def all_connected() -> bool:
                # Every request not yet answered holds an established connection. (Counting the
                # ports seen over time instead missed a request answered between two looks.)
                waiting = sum(not answer.done() for answer in answers)
                return len(_client_ports(port)) >= waiting

            eventually(all_connected, WAIT_SECONDS, "the 32 clients connected", interval=0.005)
            unanswered = sum(not answer.done() for answer in answers)
            process.send_signal(signal.SIGTERM)
            statuses = [answer.result() for answer in answers]
        process.wait(timeout=WAIT_SECONDS)
        output = service.output.complete()
    assert unanswered > 0, "every request was answered before SIGTERM: nothing was tested"
    assert statuses == [200] * 32, (statuses, output)
    assert process.returncode == 0, output
    assert stopped_in_time(output), output


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
    delay = 5.0  # the longest lame-duck wait settings allow: room for the checks on a slow machine
    env = {
        "SENTIMENT_WORKERS": "2",
        "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE),
        "SENTIMENT_SHUTDOWN_DELAY_S": str(delay),
    }
    with serving([sys.executable, "-m", "app"], env) as service:
        process, base = service.process, service.base
        half_sent = [_begin_request(service.port, f"Review {i}: a fine film.") for i in range(8)]
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        # New connections each time, so that the kernel spreads them over both workers. Were
        # readiness to wait for the stop itself, the port would close first: a ConnectError.
        ready = eventually(
            lambda: (answer := httpx.get(f"{base}/health/ready")).status_code != 200 and answer,
            WAIT_SECONDS,
            "readiness no longer 200",
        )
        assert ready.status_code == 503 and ready.json()["status"] == "stopping"
        # While the wait lasts, new requests and the ones half sent before SIGTERM are answered.
        for _ in range(8):
            late = httpx.post(f"{base}/predict", json={"text": "Still here, and still good."})
            assert late.status_code == 200, late.text
        assert [_finish_request(*request) for request in half_sent] == [200] * 8
        process.wait(timeout=WAIT_SECONDS)
        output = service.output.complete()
    assert time.monotonic() - started >= delay  # it waited before it stopped listening
    assert process.returncode == 0, output
    assert stopped_in_time(output), output


def _versions(base: str, tries: int = 16) -> set[str]:
    """The bundle versions the worker processes report (a new connection each time, so the
    kernel spreads them over the workers)."""
    return {httpx.get(f"{base}/model").json()["version"] for _ in range(tries)}


def _wait_for_version(base: str, version: str) -> None:
    eventually(
        lambda: _versions(base) == {version}, WAIT_SECONDS, f"every worker on {version}", 0.2
    )


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
    with serving([sys.executable, "-m", "app"], env) as service:
        process, base = service.process, service.base
        assert _versions(base) == {SHIPPED_VERSION}
        set_version("1.1.0")
        process.send_signal(signal.SIGHUP)
        _wait_for_version(base, "1.1.0")
        set_version("1.2.0")
        answer = httpx.post(f"{base}/admin/reload", headers={"X-Admin-Token": token})
        assert answer.status_code == 200 and answer.json()["model"]["version"] == "1.2.0"
        _wait_for_version(base, "1.2.0")
        (bundle_copy / "model.onnx").write_bytes(b"corrupt")
        process.send_signal(signal.SIGHUP)  # refused: everyone keeps serving 1.2.0
        service.output.wait_for("reload refused, still serving the old bundle", times=2)
        assert "model.onnx: checksum mismatch" in str(service.output)
        assert _versions(base) == {"1.2.0"}
        assert httpx.post(f"{base}/predict", json={"text": "Great."}).status_code == 200
        # Reloaded in place: a worker replaced after dying would load the new bundle too.
        assert "starting another" not in str(service.output)
