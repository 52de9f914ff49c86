"""``python -m benchmarks.open_inference``: the Open Inference Protocol's two forms side by
side on one ``python -m app`` (with SENTIMENT_GRPC_PORT): REST (``POST /v2/models/NAME/infer``,
JSON) and gRPC (``ModelInfer``, raw contents), on the same IMDB test reviews.

Each form gets a closed loop: ``--concurrency`` clients, each sending its next request as soon as
its answer arrives, for ``--seconds`` after a short warm-up. Both clients are Python asyncio
clients in this process (httpx over keep-alive connections; grpc.aio over one channel), so
their own cost is alike; their CPU time is reported beside the figures, as on a small machine
it competes with the service's. Prints a Markdown table and writes ``open_inference.json`` and
``open_inference.md`` (in ``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import grpc
import httpx
import numpy as np

from app.api.open_inference.tensors import binary_form
from app.api.open_inference.vendor import grpc_predict_v2_pb2 as pb
from app.api.open_inference.vendor.grpc_predict_v2_pb2_grpc import GRPCInferenceServiceStub
from app.inference.bundle import read_manifest
from app.paths import DEFAULT_BUNDLE, REPOSITORY
from benchmarks.harness.processes import benchmark_server
from benchmarks.harness.workload import DEFAULT_DATA, from_dataset

HOST = "127.0.0.1"
REVIEWS = 1000
WARM_UP_SECONDS = 2.0

Send = Callable[[list[str]], Awaitable[None]]


def main() -> int:
    args = _parse_args()
    reviews = from_dataset(args.data, args.bundle, REVIEWS, 0).reviews
    batches = [reviews[i : i + args.per_request] for i in range(0, len(reviews), args.per_request)]
    model = read_manifest(args.bundle).name
    env = {"SENTIMENT_GRPC_PORT": str(args.grpc_port), "SENTIMENT_WORKERS": str(args.workers)}
    command = [sys.executable, "-m", "app"]
    with benchmark_server("open_inference", command, env, args.port, args.bundle):
        rows = asyncio.run(_measure(args, model, batches))
    result = {"concurrency": args.concurrency, "per_request": args.per_request, "rows": rows}
    markdown = _markdown(result)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "open_inference.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "open_inference.md").write_text(markdown)
    print(markdown)  # noqa: T201
    return 0 if all(row["errors"] == 0 for row in rows) else 1


async def _measure(
    args: argparse.Namespace, model: str, batches: list[list[str]]
) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=args.concurrency)
    async with (
        httpx.AsyncClient(base_url=f"http://{HOST}:{args.port}", limits=limits) as rest,
        grpc.aio.insecure_channel(f"{HOST}:{args.grpc_port}") as channel,
    ):
        stub = GRPCInferenceServiceStub(channel)

        async def rest_send(texts: list[str]) -> None:
            tensor = {"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts}
            answer = await rest.post(f"/v2/models/{model}/infer", json={"inputs": [tensor]})
            answer.raise_for_status()

        async def grpc_send(texts: list[str]) -> None:
            request = pb.ModelInferRequest(model_name=model)
            request.inputs.add(name="text", datatype="BYTES", shape=[len(texts)])
            request.raw_input_contents.append(binary_form("BYTES", texts))
            await stub.ModelInfer(request)

        rows = []
        for form, send in (("REST V2 (JSON)", rest_send), ("gRPC V2 (raw)", grpc_send)):
            await _closed_loop(send, batches, args.concurrency, WARM_UP_SECONDS)
            figures = await _closed_loop(send, batches, args.concurrency, args.seconds)
            rows.append({"form": form, **figures})
    return rows


async def _closed_loop(
    send: Send, batches: Sequence[list[str]], concurrency: int, seconds: float
) -> dict[str, Any]:
    """Requests/s, texts/s, latency percentiles, errors, and this process's CPU seconds."""
    latencies: list[float] = []
    texts = errors = 0
    deadline = time.perf_counter() + seconds

    async def client(first: int) -> None:
        nonlocal texts, errors
        index = first
        while time.perf_counter() < deadline:
            batch = batches[index % len(batches)]
            index += concurrency
            started = time.perf_counter()
            try:
                await send(batch)
            except (httpx.HTTPError, grpc.RpcError):
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            texts += len(batch)

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(concurrency)))
    elapsed = time.perf_counter() - started
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000 if latencies else (0.0, 0.0)
    return {
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "texts_per_s": round(texts / elapsed, 1),
        "p50_ms": round(float(p50), 2),
        "p99_ms": round(float(p99), 2),
        "errors": errors,
        "client_cpu_s": round(time.process_time() - cpu, 2),
        "seconds": round(elapsed, 2),
    }


COLUMNS = {
    "form": "form",
    "requests_per_s": "requests/s",
    "texts_per_s": "texts/s",
    "p50_ms": "p50 ms",
    "p99_ms": "p99 ms",
    "errors": "errors",
    "client_cpu_s": "client CPU s",
}


def _markdown(result: dict[str, Any]) -> str:
    title = (
        f"Open Inference Protocol, REST vs gRPC: {result['per_request']} review(s) per request,"
        f" {result['concurrency']} clients (closed loop)"
    )
    table = [list(COLUMNS.values()), ["---"] + ["---:"] * (len(COLUMNS) - 1)]
    table += [[str(row[key]) for key in COLUMNS] for row in result["rows"]]
    return "\n".join([title, "", *("| " + " | ".join(cells) + " |" for cells in table)]) + "\n"


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.open_inference", description=__doc__
    )
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seconds", type=float, default=10.0, help="per form, after warm-up")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-request", type=int, default=1, help="reviews per request")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--port", type=int, default=8768)
    parser.add_argument("--grpc-port", type=int, default=8769)
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
