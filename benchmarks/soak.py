"""``python -m benchmarks.soak``: mixed work at about 70% of capacity for a long while (issue 23).

The mix (``benchmarks.harness.mix``): short texts on ``/predict``, long reviews read with
``long_text: "chunk"``, reviews with ``sentences: true``, ``/explain``, and V2 infer requests
in the binary tensor form. The scenario measures the capacity of that mix (answers 200 per
second to closed-loop clients), then sends it at ``--load`` of that (0.7 by default), at a
fixed rate, in 30-second rounds for ``--minutes``; after each round it samples the resident
memory of the service's processes. Once the load stops it reads the queue gauges of
``/metrics`` until they are 0 and times a few idle single requests.

Passes when every answer is a 200 (no 5xx, a 503 included, and none lost), resident memory
grows at most 5% from the end of the first round (the warm-up) to the end, the queue and
in-flight gauges read 0 within 5 s of the end, and idle requests are about as fast as before
the soak. Prints and writes ``soak.md`` and ``soak.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from benchmarks.harness import loadgen, mix, procstats, scenario, settle, soak_verdict

ROUND_SECONDS = 30.0
CAPACITY_CONNECTIONS = 32
CAPACITY_SECONDS = 10.0  # the mix's costly kinds are a few in twenty: a longer run steadies it
MIX_CYCLES = 200  # 4,000 requests, sent in turn and again from the start
IDLE_REQUESTS = 20


def main() -> int:
    args = scenario.parse_args("soak", __doc__, 8767, _add_options)
    with scenario.service("soak", args, reviews_per_request=1, texts="short") as service:
        base = f"http://{scenario.HOST}:{service.port}"
        requests = mix.build(service.workload, _model_name(args), MIX_CYCLES)
        capacity = _capacity(service.port, requests)
        capacity["load"] = args.load
        rate = capacity["capacity_requests_per_s"] * args.load
        capacity["offered_per_s"] = round(rate, 1)
        settle.seconds_to_idle(base, soak_verdict.SETTLE_SECONDS * 2)
        unloaded_ms = settle.median_latency_ms(base, service.bodies[0], IDLE_REQUESTS)
        rounds = _rounds(service, requests, rate, args.minutes)
        seconds_to_idle, gauges = settle.seconds_to_idle(base, soak_verdict.SETTLE_SECONDS)
        settled = {
            "seconds_to_idle": seconds_to_idle,
            "gauges": gauges,
            "unloaded_ms": unloaded_ms,
            "idle_ms": settle.median_latency_ms(base, service.bodies[0], IDLE_REQUESTS),
        }
    result = soak_verdict.judge(capacity, rounds, settled)
    return scenario.report(args.out, "soak", result, soak_verdict.markdown(result))


def _model_name(args: argparse.Namespace) -> str:
    from app.inference.bundle import read_manifest

    return read_manifest(args.bundle).name


def _capacity(port: int, requests: list[tuple[str, bytes]]) -> dict[str, Any]:
    """The mix's capacity (``soak_verdict.mix_capacity``) to closed-loop clients, after a
    warm-up, with their answers by kind and status."""
    host, connections = scenario.HOST, CAPACITY_CONNECTIONS
    loadgen.mixed_closed_loop(host, port, requests, connections, scenario.WARM_UP_SECONDS)
    run = loadgen.mixed_closed_loop(host, port, requests, connections, CAPACITY_SECONDS)
    return {
        "capacity_requests_per_s": round(soak_verdict.mix_capacity(run), 1),
        "connections": connections,
        "capacity_answers": run["by_kind"],
        "capacity_refusals": run["first_refusals"],
    }


def _rounds(
    service: scenario.Service, requests: list[tuple[str, bytes]], rate: float, minutes: float
) -> list[dict[str, Any]]:
    """The mix at ``rate`` in rounds of ROUND_SECONDS, at least two (the first is the warm-up);
    figures of each, with the service's resident memory at its end."""
    rounds = []
    for number in range(max(2, round(minutes * 60 / ROUND_SECONDS))):
        run = loadgen.mixed_open_loop(scenario.HOST, service.port, requests, rate, ROUND_SECONDS)
        rounds.append(
            {
                "round": number + 1,
                "seconds": round(run["seconds"], 1),
                "offered_per_s": round(rate, 1),
                "answered_per_s": round(run["requests_per_s"], 1),
                "p50_ms": round(run["p50_ms"], 2),
                "p99_ms": round(run["p99_ms"], 2),
                "errors": run["errors"],
                "by_kind": run["by_kind"],
                "p99_ms_by_kind": run["p99_ms_by_kind"],
                "first_refusals": run["first_refusals"],
                "rss_mb": round(procstats.sample(service.process.pid).rss_mb, 1),
            }
        )
        print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)  # noqa: T201
    return rounds


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--load", type=float, default=0.7, help="fraction of capacity")


if __name__ == "__main__":
    sys.exit(main())
