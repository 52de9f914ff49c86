"""The service in its own process for tests: started on a free port, awaited until it is ready,
its output read as it comes (so that a test can wait for a log line), stopped at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 30.0
WAIT_SECONDS = 30.0  # generous: a loaded 2-core machine is slow, a broken behaviour never comes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Output:
    """The lines a process writes, collected by a thread until the stream ends."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()

    def count(self, text: str) -> int:
        with self._changed:
            return sum(text in line for line in self._lines)

    def wait_for(self, text: str, times: int = 1) -> None:
        """Until ``text`` has appeared in ``times`` lines; fail after WAIT_SECONDS."""
        with self._changed:
            seen = self._changed.wait_for(lambda: self.count(text) >= times, WAIT_SECONDS)
        assert seen, f"{text!r} not {times}x in the output after {WAIT_SECONDS} s:\n{self}"

    def __str__(self) -> str:
        """The output so far."""
        with self._changed:
            return "".join(self._lines)

    def complete(self) -> str:
        """All of the output, once the process has exited: the stream ends when the last of
        its worker processes has closed it too."""
        self._reader.join(timeout=WAIT_SECONDS)
        return str(self)


@dataclass(frozen=True)
class Service:
    process: subprocess.Popen[str]
    base: str  # http://127.0.0.1:<port>
    port: int
    output: Output


@contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[Service]:
    """Run ``command`` (``{port}`` in it replaced by the port) until /health/ready answers 200
    and, with SENTIMENT_WORKERS > 1, every worker process listens; terminate it at the end."""
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
    assert process.stdout is not None
    service = Service(process, f"http://127.0.0.1:{port}", int(port), Output(process.stdout))
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _ready(service.base):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                raise AssertionError(
                    f"not ready in {START_SECONDS} s:\n{service.output.complete()}"
                )
            time.sleep(0.1)
        # With worker processes, one answering is not all of them: wait until each listens.
        workers = int(env["SENTIMENT_WORKERS"]) if "SENTIMENT_WORKERS" in env else 0
        while workers > 1 and len(listening_workers(process.pid, int(port))) < workers:
            assert time.monotonic() < deadline, "not every worker process listens after 30 s"
            time.sleep(0.05)
        yield service
    finally:
        stop(process)


def stop(process: subprocess.Popen[str], timeout: float = 15) -> None:
    """Stop a process as a service manager would: SIGTERM, then SIGKILL after ``timeout`` s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health/ready", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def listening_workers(parent: int, port: int) -> set[int]:
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
