"""``python -m benchmarks.workers_memory``: the memory of the whole service with 1, 2 and 4
worker processes, and what each worker after the first adds.

For each count, ``python -m app`` runs with ``SENTIMENT_WORKERS`` set to it and the default
bundle. Connections are opened one at a time until every worker process holds one (the kernel
spreads connections over the workers' ``SO_REUSEPORT`` sockets; which worker took a connection
shows in its open sockets), and 16 reviews and one short text are scored on each, so that every
worker's session, tokenizer and buffers are in use. Then ``/proc/PID/smaps_rollup`` is read for
every process of the service (the supervisor, the workers, and multiprocessing's helpers):
proportional set size (PSS, each shared page counted as its share, so the figures add up to
what the service holds) and resident set size (RSS, shared pages counted in full by every
process that maps them, so the sum overstates). Writes ``workers_memory.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from app.paths import DEFAULT_BUNDLE, REPOSITORY
from benchmarks.harness.processes import Server, eventually, listening_workers, serving
from benchmarks.harness.procstats import smaps_rollup

REVIEW = "A slow, thoughtful and quite wonderful film about patience. " * 40
BODIES = [{"texts": [REVIEW] * 16}, {"text": "Great."}]
JSON = {"content-type": "application/json"}
HELPERS = {"forkserver": "fork server", "resource_tracker": "resource tracker"}


def worker_of(connection: http.client.HTTPConnection, workers: set[int]) -> int | None:
    """The worker process that accepted ``connection`` (kept alive), by its sockets."""
    assert connection.sock is not None
    local_port = connection.sock.getsockname()[1]
    for pid in workers:
        sockets = psutil.Process(pid).net_connections(kind="tcp")
        if any(s.raddr and s.raddr.port == local_port for s in sockets):
            return pid
    return None


def score_on_every_worker(server: Server, workers: set[int]) -> int:
    """Open connections until every worker holds one, scoring ``BODIES`` on each; returns how
    many connections it took. They are closed at the end."""
    connections: list[http.client.HTTPConnection] = []
    served: set[int] = set()

    def another() -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        connections.append(connection)
        for body in BODIES:
            connection.request("POST", "/predict", json.dumps(body), JSON)
            response = connection.getresponse()
            assert response.status == 200, response.read()
            response.read()
        worker = worker_of(connection, workers)
        if worker is not None:
            served.add(worker)
        return served == workers

    try:
        eventually(another, what=f"a connection to each of {len(workers)} workers")
    finally:
        for connection in connections:
            connection.close()
    return len(connections)


def memory_of(root: int, workers: set[int]) -> list[dict[str, Any]]:
    """Each process of the service: its role, PSS and RSS in MB."""
    parent = psutil.Process(root)
    rows = []
    for process in [parent, *parent.children(recursive=True)]:
        if process.pid in workers or (process.pid == root and not workers):
            role = "worker"
        elif process.pid == root:
            role = "supervisor"
        else:  # multiprocessing's: the fork server the workers start from, and the
            command = " ".join(process.cmdline())  # tracker of its named resources
            role = next((name for key, name in HELPERS.items() if key in command), command)
        memory = smaps_rollup(process.pid)
        pss, rss = memory["Pss"] / 1024, memory["Rss"] / 1024
        rows.append({"pid": process.pid, "role": role, "pss_mb": pss, "rss_mb": rss})
    return rows


def measure(count: int, bundle: Path) -> dict[str, Any]:
    env = {
        "SENTIMENT_WORKERS": str(count),
        "SENTIMENT_BUNDLE_PATH": str(bundle),
        "SENTIMENT_LOG_LEVEL": "warning",
    }
    with serving([sys.executable, "-m", "app"], env) as server:
        root = server.process.pid
        workers = listening_workers(root, server.port) if count > 1 else set()
        connections = score_on_every_worker(server, workers or {root})
        processes = memory_of(root, workers)
    return {
        "workers": count,
        "connections": connections,
        "pss_mb": sum(p["pss_mb"] for p in processes),
        "rss_mb": sum(p["rss_mb"] for p in processes),
        "processes": processes,
    }


def table(runs: list[dict[str, Any]]) -> str:
    first = runs[0]
    rows = [
        "| workers | processes | PSS, all processes (MB) | RSS, all processes (MB) "
        "| PSS per worker process (MB) | PSS added per worker over the first row (MB) "
        "| PSS added per worker over the row before (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for before, run in zip([None, *runs], runs, strict=False):
        workers = [p["pss_mb"] for p in run["processes"] if p["role"] == "worker"]
        added = "" if before is None else f"{added_per_worker(first, run):.1f}"
        step = "" if before is None else f"{added_per_worker(before, run):.1f}"
        rows.append(
            f"| {run['workers']} | {len(run['processes'])} | {run['pss_mb']:.1f}"
            f" | {run['rss_mb']:.1f} | {sum(workers) / len(workers):.1f} | {added} | {step} |"
        )
    return "\n".join(rows)


def added_per_worker(fewer: dict[str, Any], more: dict[str, Any]) -> float:
    """PSS of all processes, per worker ``more`` has over ``fewer``."""
    return (more["pss_mb"] - fewer["pss_mb"]) / (more["workers"] - fewer["workers"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workers_memory")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results")
    args = parser.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load = os.getloadavg()
    runs = [measure(count, args.bundle) for count in sorted(args.workers)]
    for before, run in itertools.pairwise(runs):
        run["added_pss_mb_over_first"] = added_per_worker(runs[0], run)
        run["added_pss_mb_over_previous"] = added_per_worker(before, run)
    text = (
        "# Memory of the service by worker processes\n\n"
        f"`python -m benchmarks.workers_memory`, bundle `{args.bundle.name}`, {started};"
        f" {os.cpu_count()} CPUs, load average {load[0]:.1f} at the start. PSS and RSS from"
        " `/proc/PID/smaps_rollup` of every process of the service (supervisor, workers,"
        " multiprocessing's helpers) after every worker scored 16 reviews and a short text."
        " With one worker there is no supervisor: the one process serves; from two on, the"
        " supervisor, multiprocessing's fork server and resource tracker come with the"
        " workers.\n\n"
        f"{table(runs)}\n"
    )
    result = {"date": started, "load_average_at_start": load, "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "workers_memory.md").write_text(text)
    (args.out / "workers_memory.json").write_text(json.dumps(result, indent=2) + "\n")
    print(text)  # noqa: T201 - the command's output
    return 0


if __name__ == "__main__":
    sys.exit(main())
