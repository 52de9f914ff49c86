"""What the load scenarios (``overload``, ``soak``) share: their command line, the service
under test (``python -m app`` on real IMDB test reviews), its capacity measured with wrk, and
the result written as JSON and Markdown. Each scenario script holds only its own phases and
its verdict.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.paths import DEFAULT_BUNDLE, REPOSITORY
from benchmarks.harness import loadgen
from benchmarks.harness.loadgen import HOST
from benchmarks.harness.processes import benchmark_server
from benchmarks.harness.workload import (
    DEFAULT_DATA,
    Workload,
    from_dataset,
    request_bodies,
    write_bodies,
)

REVIEWS = 2000  # seeded sample of test reviews the requests are made of
WARM_UP_SECONDS = 2
CAPACITY_SECONDS = 5


def parse_args(
    name: str,
    description: str | None,
    port: int,
    add_options: Callable[[argparse.ArgumentParser], None],
) -> argparse.Namespace:
    """``--bundle``, ``--data``, ``--port`` and ``--out``, and the scenario's own options."""
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.{name}", description=description)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    add_options(parser)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results")
    return parser.parse_args()


@dataclass(frozen=True)
class Service:
    """The service under test and the request bodies the scenario sends it."""

    process: subprocess.Popen[str]
    port: int
    bodies: list[str]
    bodies_file: Path
    workload: Workload

    def capacity(self, connections: int) -> float:
        """Requests/s that ``connections`` closed-loop clients get answered, after a warm-up."""
        self.closed_loop(connections, WARM_UP_SECONDS)
        return self.closed_loop(connections, CAPACITY_SECONDS)["requests_per_s"]

    def closed_loop(self, connections: int, seconds: float) -> dict[str, float]:
        """wrk's figures for ``connections`` closed-loop clients over ``seconds``."""
        url = f"http://{HOST}:{self.port}/predict"
        return loadgen.closed_loop(url, self.bodies_file, connections, seconds)

    def open_loop(self, rate: float, seconds: float) -> dict[str, Any]:
        return loadgen.open_loop(HOST, self.port, self.bodies, rate, seconds)


@contextmanager
def service(
    name: str,
    args: argparse.Namespace,
    reviews_per_request: int,
    texts: str = "reviews",
    env: dict[str, str] | None = None,
) -> Iterator[Service]:
    """``python -m app`` on ``args.bundle`` (with ``env`` settings), ready, with requests of
    ``reviews_per_request`` test reviews each (whole ``reviews``, or their ``short`` starts);
    stopped with SIGTERM at exit."""
    workload = from_dataset(args.data, args.bundle, REVIEWS, 0)
    bodies = request_bodies(workload.texts(texts), reviews_per_request)
    bodies_file = Path(tempfile.mkdtemp()) / f"bodies-{reviews_per_request}.jsonl"
    write_bodies(bodies_file, bodies)
    command = [sys.executable, "-m", "app"]
    server = benchmark_server(name, command, env or {}, args.port, args.bundle)
    with server as (process, _start_to_ready):
        yield Service(process, args.port, bodies, bodies_file, workload)


def report(out: Path, name: str, result: dict[str, Any], markdown: str) -> int:
    """Write ``<name>.json`` and ``<name>.md`` into ``out``, print the Markdown; the exit
    status: 0 if the scenario passed."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / f"{name}.md").write_text(markdown)
    print(markdown)  # noqa: T201
    return 0 if result["passed"] else 1


def seconds_option(default: float) -> Callable[[argparse.ArgumentParser], None]:
    """``--seconds``: the length of each measured phase."""

    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--seconds", type=float, default=default, help="length of each phase")

    return add


def with_verdict(lines: list[str], passed: bool) -> str:
    """The Markdown report: ``lines``, then whether the scenario passed."""
    return "\n".join([*lines, f"**{'passed' if passed else 'FAILED'}**"]) + "\n"
