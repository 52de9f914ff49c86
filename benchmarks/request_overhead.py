"""``python -m benchmarks.request_overhead``: the service's own work per request, without HTTP.

Calls the app (``create_app``, lifespan run, the shipped bundle, default settings but for the
access log) as an ASGI application in this process, one request at a time: ``POST /predict`` with
one short text, ``POST /v2/models/NAME/infer`` with one, and ``GET /health/ready``. For each it
counts the Python function calls per request under ``cProfile`` (the same number on every run
and machine for the same code, so a change of a few percent shows where timings on a shared
machine cannot) and times requests without the profiler (microseconds of CPU per request,
as noisy as the machine). ``--baseline REV`` runs the same in a checkout of REV, so the two trees
are compared in one run. Where per-request overhead grew (issue 22), this shows it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from app.paths import DEFAULT_BUNDLE

TEXT = "The battery died after two days. Returned it."
HEADERS = [(b"host", b"bench"), (b"content-type", b"application/json")]


def requests(model: str) -> dict[str, tuple[str, str, bytes]]:
    """name -> (method, path, body)."""
    v2 = {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [TEXT]}]}
    return {
        "POST /predict, one short text": ("POST", "/predict", json.dumps({"text": TEXT}).encode()),
        "POST /v2/.../infer, one short text": (
            "POST",
            f"/v2/models/{model}/infer",
            json.dumps(v2).encode(),
        ),
        "GET /health/ready": ("GET", "/health/ready", b""),
    }


async def _call(app: Any, method: str, path: str, body: bytes) -> None:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000), "state": {},
        "headers": [*HEADERS, (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect while the request is answered
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 200:
        raise SystemExit(f"{method} {path} answered {sent[0]['status']}: {sent[1:]}")


async def _measure(count: int) -> dict[str, dict[str, float]]:
    from app.core.config import Settings
    from app.main import create_app

    app = create_app(Settings(log_level="warning"))
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
    lifespan = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    model = app.state.service.classifier.manifest.name
    figures = {}
    for name, (method, path, body) in requests(model).items():
        for _ in range(50):  # warm-up
            await _call(app, method, path, body)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(count):
            await _call(app, method, path, body)
        profile.disable()
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        started = time.process_time()
        for _ in range(count):
            await _call(app, method, path, body)
        cpu = time.process_time() - started
        figures[name] = {"calls": calls / count, "cpu_us": cpu / count * 1e6}
    await inbox.put({"type": "lifespan.shutdown"})
    await outbox.get()
    await lifespan
    return figures


def measure(count: int) -> dict[str, dict[str, float]]:
    """Each request's Python function calls and CPU microseconds, per request."""
    return asyncio.run(_measure(count))


def _in_tree(tree: Path, count: int) -> dict[str, dict[str, float]]:
    """``measure`` in a process that imports the service from ``tree`` (this file run as a
    script there: the tree need not have it)."""
    from benchmarks.tracing_cost import check_imports_from

    python, env = [sys.executable, "-P"], {"PYTHONPATH": str(tree)}
    check_imports_from(tree, python, env)
    output = subprocess.run(
        [*python, __file__, "--json", "--requests", str(count)],
        env={**os.environ, **env}, cwd=tree, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    figures: dict[str, dict[str, float]] = json.loads(output.splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.request_overhead", description=__doc__
    )
    parser.add_argument("--requests", type=int, default=2000, help="per kind of request")
    parser.add_argument("--baseline", help="git revision to compare with, in a checkout")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # see _in_tree
    args = parser.parse_args()
    os.environ.setdefault("SENTIMENT_BUNDLE_PATH", str(DEFAULT_BUNDLE))
    if args.json:
        print(json.dumps(measure(args.requests)))  # noqa: T201
        return
    results = {"this tree": measure(args.requests)}
    if args.baseline:
        from benchmarks.tracing_cost import checkout

        with checkout(args.baseline) as tree:
            results[f"baseline {args.baseline}"] = _in_tree(tree, args.requests)
    lines = [
        "| request | tree | Python calls / request | CPU us / request |",
        "|---|---|---:|---:|",
    ]
    for label, figures in results.items():
        for name, figure in figures.items():
            lines.append(f"| {name} | {label} | {figure['calls']:.0f} | {figure['cpu_us']:.0f} |")
    print("\n".join(lines))  # noqa: T201
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
