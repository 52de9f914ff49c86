"""Servers in their own processes, for the tests and the benchmarks alike: started on a port,
awaited until ``/health/ready`` answers 200, their output kept (in memory, so that a test can
wait for a log line, or appended to a log file), and stopped as a service manager would.

Waiting is always on an observable state (a port that answers, a process that is gone, a log
line) with a deadline, through ``eventually``; never a fixed sleep.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TypeVar

import httpx

from app.paths import REPOSITORY

T = TypeVar("T")
WAIT_SECONDS = 30.0  # generous: a loaded 2-core machine is slow, a broken behaviour never comes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def eventually(
    condition: Callable[[], T],
    timeout: float = WAIT_SECONDS,
    what: str = "the condition",
    interval: float = 0.01,
) -> T:
    """Poll ``condition()`` every ``interval`` s until it returns something true, and return
    that. Raises TimeoutError naming ``what`` once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)
    return value


def stop(process: subprocess.Popen[str] | subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Stop a process as a service manager would: SIGTERM, then SIGKILL after ``timeout`` s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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


class ServerError(RuntimeError):
    """A server exited, or did not get ready in time; the message says where its output is."""


class Server:
    """``command`` run from the repository with ``env`` on top of this environment and
    ``SENTIMENT_PORT`` set; its output in memory (``output``), or appended to ``log``."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        port: int,
        log: Path | None = None,
        name: str = "server",
    ) -> None:
        self.name = name
        self.command = command
        self.env = {**os.environ, "SENTIMENT_PORT": str(port), **env}
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self._output: Output | None = None
        self._process: subprocess.Popen[str] | None = None

    @property
    def process(self) -> subprocess.Popen[str]:
        assert self._process is not None, "the server was not started"
        return self._process

    @property
    def output(self) -> Output:
        assert self._output is not None, f"the output goes to {self.log}"
        return self._output

    def start(self) -> None:
        if self.log is None:
            self._process = self._popen(subprocess.PIPE)
            assert self._process.stdout is not None
            self._output = Output(self._process.stdout)
            return
        with self.log.open("a") as log:
            self._process = self._popen(log)

    def _popen(self, stdout: int | IO[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command,
            cwd=REPOSITORY,
            env=self.env,
            text=True,
            stdout=stdout,
            stderr=subprocess.STDOUT,
        )

    def ready(self) -> bool:
        """Whether /health/ready answers 200; ServerError once the process has exited."""
        if self.process.poll() is not None:
            raise ServerError(f"{self.command} exited:\n{self.said()}")
        try:
            return httpx.get(f"{self.base}/health/ready", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def wait_ready(self, timeout: float = WAIT_SECONDS, workers: int = 0) -> float:
        """Seconds from now until it is ready and, with ``workers`` > 1, until that many of
        its worker processes listen. Kills it and raises ServerError when it is not."""
        started = time.monotonic()
        try:
            eventually(self.ready, timeout, f"{self.command} ready", interval=0.02)
            if workers > 1:  # one answering is not all of them: wait until each listens
                eventually(
                    lambda: len(listening_workers(self.process.pid, self.port)) >= workers,
                    timeout,
                    f"{workers} worker processes listening",
                )
        except TimeoutError as error:
            self.process.kill()
            self.process.wait()
            raise ServerError(f"{error}:\n{self.said()}") from None
        return time.monotonic() - started

    def said(self) -> str:
        """Its output (all of it once it has exited), or where to find it."""
        if self._output is None:
            return f"see {self.log}"
        return self._output.complete() if self.process.poll() is not None else str(self._output)

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self, timeout: float = 15) -> None:
        if self._process is not None:
            stop(self._process, timeout)


@contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[Server]:
    """Run ``command`` (``{port}`` in it replaced by the port) until it is ready and, with
    SENTIMENT_WORKERS > 1, every worker process listens; its output kept in memory. Stopped
    at the end."""
    port = int(env.get("SENTIMENT_PORT") or free_port())
    server = Server([part.replace("{port}", str(port)) for part in command], env, port)
    server.start()
    try:
        server.wait_ready(workers=int(server.env.get("SENTIMENT_WORKERS", 0)))
        yield server
    finally:
        server.stop()


@contextmanager
def benchmark_server(
    name: str, command: list[str], env: dict[str, str], port: int, bundle: Path
) -> Iterator[tuple[subprocess.Popen[str], float]]:
    """A server under measurement, with its defaults (access log on, to a file in the temp
    folder): ``with benchmark_server(...) as (process, start_to_ready_seconds)``."""
    uvicorn_flags = ["--port", str(port), "--log-level", "warning"] if "uvicorn" in command else []
    benchmark_env = {
        **env,
        "BENCH_BUNDLE": str(bundle),
        "SENTIMENT_BUNDLE_PATH": str(bundle),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    log = Path(tempfile.gettempdir()) / f"benchmark-server-{name}.log"
    server = Server([*command, *uvicorn_flags], benchmark_env, port, log)
    started = time.perf_counter()
    server.start()
    try:
        server.wait_ready(timeout=120)
        yield server.process, time.perf_counter() - started
    finally:
        server.stop()


def listening_workers(parent: int, port: int) -> set[int]:
    """The parent's worker processes that accept connections on ``port`` (multiprocessing's
    helper process, and a worker still loading the model, do not listen)."""
    import psutil

    listening = set()
    for child in psutil.Process(parent).children(recursive=True):
        try:
            sockets = child.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets):
            listening.add(child.pid)
    return listening


def wait_for_replacement(supervisor: int, port: int, victim: int, timeout: float = 60) -> set[int]:
    """The two worker processes listening once ``victim`` is dead and another replaced it."""

    def replaced() -> set[int]:
        current = listening_workers(supervisor, port)
        return current if victim not in current and len(current) == 2 else set()

    return eventually(replaced, timeout, f"worker {victim} replaced", interval=0.1)
