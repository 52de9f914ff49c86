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
import json
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.paths import DEFAULT_BUNDLE
from benchmarks.harness.haproxy import CONFIG, Balancer, Load, Outcome
from benchmarks.harness.processes import Server, eventually, free_port

__all__ = ["CONFIG", "SHUTDOWN_DELAY_S", "cluster", "kill_one", "rolling_restart"]

SHUTDOWN_DELAY_S = 2.0  # the replicas' lame-duck period (SENTIMENT_SHUTDOWN_DELAY_S)
READY_DEADLINE_S = 60.0  # a replica or the balancer ready, on a loaded machine


def replica(name: str, folder: Path, bundle: Path) -> Server:
    """One single-process replica of the service with the lame-duck period above."""
    env = {
        "SENTIMENT_BUNDLE_PATH": str(bundle),
        "SENTIMENT_WORKERS": "1",
        "SENTIMENT_SHUTDOWN_DELAY_S": str(SHUTDOWN_DELAY_S),
        "SENTIMENT_LOG_LEVEL": "warning",
    }
    return Server([sys.executable, "-m", "app"], env, free_port(), folder / f"{name}.log", name)


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
) -> Iterator[tuple[list[Server], Balancer, Load]]:
    """Three ready replicas behind a running HAProxy that sees them all up, under load."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise FileNotFoundError("haproxy is not installed (apt-get install haproxy)")
    with tempfile.TemporaryDirectory(prefix="balancer-") as folder:
        replicas = [replica(f"r{i}", Path(folder), bundle) for i in (1, 2, 3)]
        balancer = Balancer(Path(folder), replicas)
        try:
            for server in replicas:
                server.start()
            for server in replicas:
                eventually(server.ready, READY_DEADLINE_S, f"{server.name} ready")
            balancer.start(haproxy)
            for server in replicas:
                eventually(balancer.is_up(server), READY_DEADLINE_S, f"{server.name} up")
            with Load(f"http://127.0.0.1:{balancer.port}/predict", clients) as load:
                time.sleep(1.0)  # steady load before anything happens
                yield replicas, balancer, load
                time.sleep(1.0)
        finally:
            balancer.stop()
            for server in replicas:
                server.stop()


def rolling_restart(replicas: list[Server], balancer: Balancer, load: Load) -> PhaseFigures:
    """SIGTERM each replica in turn, start it again, wait until HAProxy has it back."""
    start = time.monotonic()
    down, up = [], []
    for server in replicas:
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        eventually(balancer.is_down(server), 30, f"{server.name} down")
        down.append(time.monotonic() - signalled)
        server.process.wait(15)
        restarted = time.monotonic()
        server.start()
        eventually(balancer.is_up(server), READY_DEADLINE_S, f"{server.name} back")
        up.append(time.monotonic() - restarted)
    time.sleep(0.5)  # requests started during the last step finish
    end = time.monotonic()
    figures = PhaseFigures.of(load.between(start, end), end - start)
    figures.marked_down_after_s, figures.back_up_after_s = down, up
    return figures


def kill_one(server: Server, balancer: Balancer, load: Load) -> PhaseFigures:
    """SIGKILL one replica, count what fails until HAProxy has taken it out, start it again."""
    before = balancer.stats()[balancer.names[server.name]]
    start = time.monotonic()
    server.signal(signal.SIGKILL)
    eventually(balancer.is_down(server), 30, f"{server.name} down")
    marked = time.monotonic()
    server.process.wait(15)
    time.sleep(1.0)  # load continues on the other two
    after = balancer.stats()[balancer.names[server.name]]
    server.start()
    eventually(balancer.is_up(server), READY_DEADLINE_S, f"{server.name} back")
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
