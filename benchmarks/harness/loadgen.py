"""Load on a server over loopback, from another process.

- ``closed_loop``: ``wrk`` (compiled; Debian package ``wrk``) with C connections each sending
  its next request as soon as the answer arrives: throughput and latency at concurrency C.
- ``open_loop``: requests at a fixed rate whatever the answers do, latency counted from when
  each request was due (so queueing shows, no coordinated omission). An asyncio client on
  raw keep-alive connections, light enough for a few thousand requests/s.
- ``mixed_open_loop`` and ``mixed_closed_loop``: the same client with requests of several
  kinds (raw HTTP requests to any path), its answers counted by kind and status.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HOST = "127.0.0.1"  # the service under test: on this machine, over loopback


def post(
    path: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    length: int | None = None,
    host: str = HOST,
) -> bytes:
    """A raw HTTP/1.1 POST of ``body`` to ``path``, ready to write on a keep-alive connection
    (JSON unless ``headers`` say otherwise; ``length``: a Content-Length other than the body's,
    for clients that lie about it)."""
    fields = {"Host": host, "Content-Type": "application/json", **(headers or {})}
    fields["Content-Length"] = str(len(body) if length is None else length)
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body


WRK_SCRIPT = Path(__file__).with_name("wrk_post.lua")
IDLE_SECONDS = 4.0


def closed_loop(url: str, bodies_file: Path, connections: int, seconds: float) -> dict[str, float]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    command = [
        wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
        "-s", str(WRK_SCRIPT), url,
    ]  # fmt: skip
    env = {**os.environ, "BENCH_BODIES": str(bodies_file)}
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(value for key, value in raw.items() if key.startswith("errors_"))
    return {
        "requests": raw["requests"],
        "requests_per_s": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": errors,
    }


def open_loop(
    host: str, port: int, bodies: list[str], rate: float, seconds: float
) -> dict[str, Any]:
    """Figures of a fixed-rate run; ``statuses`` counts answers by HTTP status (0: no answer),
    ``samples`` lists (seconds from the start when sent, latency in seconds, status)."""
    return asyncio.run(_open_loop(host, port, bodies, rate, seconds))


class _FixedRate:
    """The connections and answers of one fixed-rate run, timed from ``start``."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        # (reader, writer, when it was last used); the server closes connections idle for 5 s
        # (uvicorn's keep-alive timeout), so ones idle for 4 s are closed here first, as HTTP
        # client pools do, rather than failing on a connection the server is closing.
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.latencies: list[float] = []
        self.samples: list[tuple[float, float, int]] = []
        self.by_kind: dict[str, Counter[int]] = defaultdict(Counter)
        self.latencies_by_kind: dict[str, list[float]] = defaultdict(list)
        self.first_refusals: dict[str, str] = {}  # by kind: the body of its first answer not 200
        self.errors = 0
        self.start = time.perf_counter()

    async def connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self.idle:
            reader, writer, used = self.idle.pop()
            if time.perf_counter() - used < IDLE_SECONDS:
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    async def send(self, payload: bytes, due: float, kind: str = "") -> None:
        reader, writer = await self.connection()
        try:
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            body = await reader.readexactly(length)
            latency = time.perf_counter() - due
            self.latencies.append(latency)
            self.latencies_by_kind[kind].append(latency)
            status = int(head[9:12])
            self.samples.append((due - self.start, latency, status))
            self.by_kind[kind][status] += 1
            if status != 200:
                self.first_refusals.setdefault(kind, body[:300].decode(errors="replace"))
                self.errors += 1
            self.idle.append((reader, writer, time.perf_counter()))
        except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
            self.errors += 1
            self.samples.append((due - self.start, time.perf_counter() - due, 0))
            self.by_kind[kind][0] += 1
            writer.close()

    def figures(self, total: int, rate: float, elapsed: float) -> dict[str, Any]:
        latencies = self.latencies
        p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) * 1000 if latencies else (0, 0, 0)
        return {
            "requests": total,
            "requests_per_s": len(latencies) / elapsed,
            "offered_per_s": rate,
            "seconds": elapsed,
            "p50_ms": float(p50),
            "p95_ms": float(p95),
            "p99_ms": float(p99),
            "errors": self.errors,
            "statuses": dict(Counter(status for _sent, _latency, status in self.samples)),
            "by_kind": {kind: dict(statuses) for kind, statuses in sorted(self.by_kind.items())},
            "first_refusals": dict(sorted(self.first_refusals.items())),
            "p99_ms_by_kind": {
                kind: round(float(np.percentile(values, 99)) * 1000, 1)
                for kind, values in sorted(self.latencies_by_kind.items())
            },
            "samples": self.samples,
        }

    def close(self) -> None:
        for _reader, writer, _used in self.idle:
            writer.close()


async def _open_loop(
    host: str, port: int, bodies: list[str], rate: float, seconds: float
) -> dict[str, Any]:
    requests = [("", post("/predict", body.encode(), host=host)) for body in bodies]
    return await _fixed_rate(host, port, requests, rate, seconds)


def mixed_open_loop(
    host: str, port: int, requests: list[tuple[str, bytes]], rate: float, seconds: float
) -> dict[str, Any]:
    """``open_loop`` of (kind, raw HTTP request) in turn; ``by_kind`` counts the answers of
    each kind by status (0: no answer)."""
    return asyncio.run(_fixed_rate(host, port, requests, rate, seconds))


def mixed_closed_loop(
    host: str, port: int, requests: list[tuple[str, bytes]], connections: int, seconds: float
) -> dict[str, Any]:
    """``connections`` clients, each sending the next of (kind, raw HTTP request) as soon as it
    has its answer, for ``seconds``; figures as ``mixed_open_loop`` has them
    (``requests_per_s``: answers of any status per second)."""
    return asyncio.run(_closed_loop(host, port, requests, connections, seconds))


async def _fixed_rate(
    host: str, port: int, requests: list[tuple[str, bytes]], rate: float, seconds: float
) -> dict[str, Any]:
    run = _FixedRate(host, port)
    start = run.start
    tasks = set()
    total = int(rate * seconds)
    for number in range(total):
        due = start + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, payload = requests[number % len(requests)]
        task = asyncio.create_task(run.send(payload, due, kind))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    run.close()
    return run.figures(total, rate, elapsed)


async def _closed_loop(
    host: str, port: int, requests: list[tuple[str, bytes]], connections: int, seconds: float
) -> dict[str, Any]:
    run = _FixedRate(host, port)
    end = run.start + seconds
    numbers = iter(range(10**12))

    async def client() -> None:
        while time.perf_counter() < end:
            kind, payload = requests[next(numbers) % len(requests)]
            await run.send(payload, time.perf_counter(), kind)

    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - run.start
    run.close()
    return run.figures(len(run.samples), 0.0, elapsed)
