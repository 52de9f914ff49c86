"""HAProxy in front of replicas of the service, and a steady load through it
(``python -m benchmarks.balancer`` and tests/deploy/test_balancer.py)."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.paths import REPOSITORY
from benchmarks.harness.processes import Server, free_port

CONFIG = REPOSITORY / "deploy" / "haproxy" / "haproxy.cfg"
TEXTS = [
    "A wonderful, moving film with a brilliant cast.",
    "Dull, slow and far too long; I nearly walked out.",
    "The plot was thin but the acting made up for it.",
]


class Balancer:
    def __init__(self, folder: Path, replicas: list[Server]) -> None:
        self.port = free_port()
        self.socket = folder / "haproxy.sock"
        self.env = {
            **os.environ,
            "HAPROXY_PORT": str(self.port),
            "HAPROXY_STATS_SOCKET": str(self.socket),
        }
        self.env |= {f"REPLICA{i}_PORT": str(r.port) for i, r in enumerate(replicas, start=1)}
        self.names = {r.name: f"replica{i}" for i, r in enumerate(replicas, start=1)}
        self.log = folder / "haproxy.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, haproxy: str) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [haproxy, "-db", "-f", str(CONFIG)], env=self.env, stdout=log, stderr=log
            )

    def stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's ``show stat`` per server of the backend."""
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(2)
            connection.connect(str(self.socket))
            connection.sendall(b"show stat\n")
            data = b""
            while chunk := connection.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return {row["svname"]: row for row in rows if row["pxname"] == "replicas"}

    def status(self, replica: Server) -> str:
        try:
            return self.stats()[self.names[replica.name]]["status"]
        except OSError:
            return "unknown"

    def is_up(self, replica: Server) -> Callable[[], bool]:
        return lambda: self.status(replica) == "UP"

    def is_down(self, replica: Server) -> Callable[[], bool]:
        """No longer sent requests: DOWN, or on its way down (``UP 1/2`` and the like)."""
        return lambda: self.status(replica) != "UP"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass(frozen=True)
class Outcome:
    started: float
    status: int | None  # None: no HTTP answer (connection refused, reset, timed out)


class Load:
    """``clients`` threads posting one short review at a time through the balancer."""

    def __init__(self, url: str, clients: int) -> None:
        self.url = url
        self.clients = clients
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(clients)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, index: int) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                status: int | None
                try:
                    body = {"text": TEXTS[index % len(TEXTS)]}
                    status = client.post(self.url, json=body).status_code
                except httpx.HTTPError:
                    status = None
                with self._lock:
                    self.outcomes.append(Outcome(started, status))

    def between(self, start: float, end: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if start <= o.started < end]
