"""``python -m benchmarks.overload``: the service at 3x its capacity, then back to normal load.

1. capacity: 32-review requests from 8 closed-loop clients (wrk) give C requests/s;
2. baseline: a fixed rate of C/2 for 5 s;
3. overload: a fixed rate of 3C for 15 s: every answer must be 200, or 503 (queue full, with
   Retry-After) or 504 (deadline) — nothing else, no dropped connections;
4. recovery: C/2 again, right after; the p99 of each second must fall back to within 2x the
   baseline's (plus 20 ms) within a few seconds, with no errors.
Prints and writes ``overload.md`` and ``overload.json`` (in ``--out``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from benchmarks.harness import scenario

ALLOWED_UNDER_OVERLOAD = {200, 503, 504}


def main() -> int:
    args = scenario.parse_args("overload", __doc__, 8766, _add_options)
    with scenario.service("overload", args, reviews_per_request=32) as service:
        capacity = service.capacity(connections=8)
        baseline = service.open_loop(capacity / 2, 5)
        overload = service.open_loop(capacity * 3, args.seconds)
        recovery = service.open_loop(capacity / 2, 10)
    result = _judge(capacity, baseline, overload, recovery)
    return scenario.report(args.out, "overload", result, _markdown(result))


def _windows(samples: list[tuple[float, float, int]]) -> list[dict[str, Any]]:
    """p99 latency and statuses of the requests sent in each second."""
    seconds = int(max((sent for sent, _, _ in samples), default=0)) + 1
    windows = []
    for second in range(seconds):
        inside = [(lat, st) for sent, lat, st in samples if second <= sent < second + 1]
        latencies = [lat for lat, _ in inside]
        p99 = float(np.percentile(latencies, 99) * 1000) if latencies else 0.0
        windows.append(
            {"second": second, "requests": len(inside), "p99_ms": round(p99, 1),
             "errors": sum(st != 200 for _, st in inside)}
        )  # fmt: skip
    return windows


def _judge(
    capacity: float,
    baseline: dict[str, Any],
    overload: dict[str, Any],
    recovery: dict[str, Any],
) -> dict[str, Any]:
    normal_p99 = 2 * baseline["p99_ms"] + 20
    windows = _windows(recovery["samples"])
    recovered_after = next(
        (w["second"] for i, w in enumerate(windows)
         if all(x["p99_ms"] <= normal_p99 and x["errors"] == 0 for x in windows[i:])),
        None,
    )  # fmt: skip
    unexpected = {s: n for s, n in overload["statuses"].items() if s not in ALLOWED_UNDER_OVERLOAD}
    return {
        "capacity_requests_per_s": round(capacity, 1),
        "capacity_reviews_per_s": round(capacity * 32, 1),
        "baseline": _summary(baseline),
        "overload": _summary(overload),
        "recovery": _summary(recovery) | {"windows": windows},
        "normal_p99_ms": round(normal_p99, 1),
        "recovered_after_s": recovered_after,
        "unexpected_statuses_under_overload": unexpected,
        "passed": not unexpected
        and baseline["errors"] == 0
        and recovered_after is not None
        and recovered_after <= 5,
    }


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "offered_per_s": round(run["offered_per_s"], 1),
        "answered_per_s": round(run["requests_per_s"], 1),
        "p50_ms": round(run["p50_ms"], 1),
        "p99_ms": round(run["p99_ms"], 1),
        "statuses": {str(k): v for k, v in sorted(run["statuses"].items())},
    }


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Overload",
        "",
        f"Capacity: {result['capacity_requests_per_s']} requests/s of 32 reviews"
        f" ({result['capacity_reviews_per_s']} reviews/s).",
        "",
        "| phase | offered req/s | answered req/s | p50 ms | p99 ms | answers by status |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for phase in ("baseline", "overload", "recovery"):
        run = result[phase]
        lines.append(
            f"| {phase} | {run['offered_per_s']} | {run['answered_per_s']} | {run['p50_ms']} |"
            f" {run['p99_ms']} | {run['statuses']} |"
        )
    lines += [
        "",
        f"Recovery: p99 per second {[w['p99_ms'] for w in result['recovery']['windows']]} ms;"
        f" back within {result['normal_p99_ms']} ms (2x baseline + 20) from second"
        f" {result['recovered_after_s']} on.",
        f"Unexpected statuses under overload: {result['unexpected_statuses_under_overload']}.",
        f"**{'passed' if result['passed'] else 'FAILED'}**",
    ]
    return "\n".join(lines) + "\n"


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the overload")


if __name__ == "__main__":
    sys.exit(main())
