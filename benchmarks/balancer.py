"""``python -m benchmarks.balancer``: three replicas behind HAProxy, under steady load.

Runs, on loopback, three single-process replicas of the service (``python -m app``,
``SENTIMENT_WORKERS=1``) behind HAProxy (Debian's package) with ``deploy/haproxy/haproxy.cfg``,
and a closed-loop load of short reviews through the balancer. Then:

1. a rolling restart: each replica in turn gets SIGTERM, exits, and is started again;
   the next one goes only when HAProxy sees the new one ready. Expected: 0 failed requests.
2. a SIGKILL of one replica: the requests it had in hand fail (counted); HAProxy resends those
   that never reached it and marks it down after one failed readiness check.

Prints the figures; ``--out FILE`` also writes them as JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from app.paths import DEFAULT_BUNDLE, REPOSITORY

CONFIG = REPOSITORY / "deploy" / "haproxy" / "haproxy.cfg"
SHUTDOWN_DELAY_S = 2.0  # the replicas' lame-duck period (SENTIMENT_SHUTDOWN_DELAY_S)
READY_DEADLINE_S = 60.0  # a replica or the balancer ready, on a loaded machine
TEXTS = [
    "A wonderful, moving film with a brilliant cast.",
    "Dull, slow and far too long; I nearly walked out.",
    "The plot was thin but the acting made up for it.",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], deadline_s: float, what: str) -> float:
    """Poll ``condition()`` until true; the monotonic time it first was. Fails past the deadline."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError(f"{what}: not within {deadline_s:.0f} s")
        time.sleep(0.01)
    return time.monotonic()


class Replica:
    def __init__(self, name: str, folder: Path, bundle: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log = folder / f"{name}.log"
        self.bundle = bundle
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "SENTIMENT_BUNDLE_PATH": str(self.bundle),
            "SENTIMENT_PORT": str(self.port),
            "SENTIMENT_WORKERS": "1",
            "SENTIMENT_SHUTDOWN_DELAY_S": str(SHUTDOWN_DELAY_S),
            "SENTIMENT_LOG_LEVEL": "warning",
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app"], cwd=REPOSITORY, env=env, stdout=log, stderr=log
            )

    def ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited; see {self.log}")
        try:
            url = f"http://127.0.0.1:{self.port}/health/ready"
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait_exit(self, timeout: float = 15.0) -> None:
        assert self.process is not None
        self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Balancer:
    def __init__(self, folder: Path, replicas: list[Replica]) -> None:
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

    def status(self, replica: Replica) -> str:
        try:
            return self.stats()[self.names[replica.name]]["status"]
        except OSError:
            return "unknown"

    def is_up(self, replica: Replica) -> Callable[[], bool]:
        return lambda: self.status(replica) == "UP"

    def is_down(self, replica: Replica) -> Callable[[], bool]:
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


@dataclass
class PhaseFigures:
    requests: int = 0
    failed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    marked_down_after_s: list[float] = field(default_factory=list)  # signal -> HAProxy DOWN
    back_up_after_s: list[float] = field(default_factory=list)  # restart -> HAProxy UP
    resent_by_balancer: int = 0  # requests HAProxy retried or redispatched elsewhere

    @classmethod
    def of(cls, outcomes: list[Outcome], seconds: float) -> PhaseFigures:
        statuses = Counter(str(o.status) if o.status else "no answer" for o in outcomes)
        failed = sum(1 for o in outcomes if o.status != 200)
        return cls(len(outcomes), failed, dict(statuses), seconds)


@contextmanager
def cluster(
    clients: int, bundle: Path = DEFAULT_BUNDLE
) -> Iterator[tuple[list[Replica], Balancer, Load]]:
    """Three ready replicas behind a running HAProxy that sees them all up, under load."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise FileNotFoundError("haproxy is not installed (apt-get install haproxy)")
    with tempfile.TemporaryDirectory(prefix="balancer-") as folder:
        replicas = [Replica(f"r{i}", Path(folder), bundle) for i in (1, 2, 3)]
        balancer = Balancer(Path(folder), replicas)
        try:
            for replica in replicas:
                replica.start()
            for replica in replicas:
                wait_until(replica.ready, READY_DEADLINE_S, f"{replica.name} ready")
            balancer.start(haproxy)
            for replica in replicas:
                wait_until(balancer.is_up(replica), READY_DEADLINE_S, f"{replica.name} up")
            with Load(f"http://127.0.0.1:{balancer.port}/predict", clients) as load:
                time.sleep(1.0)  # steady load before anything happens
                yield replicas, balancer, load
                time.sleep(1.0)
        finally:
            balancer.stop()
            for replica in replicas:
                replica.stop()


def rolling_restart(replicas: list[Replica], balancer: Balancer, load: Load) -> PhaseFigures:
    """SIGTERM each replica in turn, start it again, wait until HAProxy has it back."""
    start = time.monotonic()
    down, up = [], []
    for replica in replicas:
        signalled = time.monotonic()
        replica.signal(signal.SIGTERM)
        marked = wait_until(balancer.is_down(replica), 30, f"{replica.name} down")
        down.append(marked - signalled)
        replica.wait_exit()
        restarted = time.monotonic()
        replica.start()
        back = wait_until(balancer.is_up(replica), READY_DEADLINE_S, f"{replica.name} back")
        up.append(back - restarted)
    time.sleep(0.5)  # requests started during the last step finish
    end = time.monotonic()
    figures = PhaseFigures.of(load.between(start, end), end - start)
    figures.marked_down_after_s, figures.back_up_after_s = down, up
    return figures


def kill_one(replica: Replica, balancer: Balancer, load: Load) -> PhaseFigures:
    """SIGKILL one replica, count what fails until HAProxy has taken it out, start it again."""
    before = balancer.stats()[balancer.names[replica.name]]
    start = time.monotonic()
    replica.signal(signal.SIGKILL)
    marked = wait_until(balancer.is_down(replica), 30, f"{replica.name} down")
    replica.wait_exit()
    time.sleep(1.0)  # load continues on the other two
    after = balancer.stats()[balancer.names[replica.name]]
    replica.start()
    wait_until(balancer.is_up(replica), READY_DEADLINE_S, f"{replica.name} back")
    end = time.monotonic()
    figures = PhaseFigures.of(load.between(start, end), end - start)
    figures.marked_down_after_s = [marked - start]
    figures.resent_by_balancer = sum(
        int(after[key] or 0) - int(before[key] or 0) for key in ("wretr", "wredis")
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    with cluster(args.clients) as (replicas, balancer, load):
        rolling = rolling_restart(replicas, balancer, load)
        killed = kill_one(replicas[0], balancer, load)
    result = {
        "shutdown_delay_s": SHUTDOWN_DELAY_S,
        "check": "GET /health/ready every 500 ms, down after 1 failure, up after 2",
        "rolling_restart": asdict(rolling),
        "sigkill": asdict(killed),
    }
    report = [
        f"HAProxy, 3 replicas (SENTIMENT_WORKERS=1), {args.clients} clients, loopback",
        f"rolling restart: {rolling.requests} requests in {rolling.seconds:.1f} s,"
        f" {rolling.failed} failed; HAProxy marked each down"
        f" {_seconds(rolling.marked_down_after_s)} after SIGTERM (lame duck"
        f" {SHUTDOWN_DELAY_S:g} s) and up {_seconds(rolling.back_up_after_s)} after the restart",
        f"SIGKILL of one replica: {killed.requests} requests in {killed.seconds:.1f} s,"
        f" {killed.failed} failed {killed.statuses}; HAProxy marked it down"
        f" {_seconds(killed.marked_down_after_s)} after the kill (check interval 0.5 s);"
        f" {killed.resent_by_balancer} requests resent by HAProxy to another replica",
    ]
    print("\n".join(report))  # noqa: T201
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{value:.2f} s" for value in values)


if __name__ == "__main__":
    sys.exit(main())
