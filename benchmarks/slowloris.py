"""``python -m benchmarks.slowloris``: normal clients beside slow connections (issue 23).

1. unloaded: 32 closed-loop clients (wrk) each send one review to ``/predict``;
2. loaded: the same, while 300 connections trickle their headers (half of them) or their
   body (the other half) a byte a second, reconnecting whenever the server closes them.

The service runs with ``--timeout`` seconds as its header and body read timeouts
(``SENTIMENT_HEADER_TIMEOUT_S``, ``SENTIMENT_BODY_TIMEOUT_S``; short, so that a run is short).
Passes when the normal clients keep at least 80% of their unloaded throughput with no errors,
and every slow connection that ended was closed by the server within its timeout (plus a
second of slack). Prints and writes ``slowloris.md`` and ``slowloris.json`` (in ``--out``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from benchmarks.harness import hostile, scenario

NORMAL_CLIENTS = 32
SLOW_CONNECTIONS = 300
MIN_SHARE = 0.8
SLACK_S = 1.0


def main() -> int:
    args = scenario.parse_args("slowloris", __doc__, 8769, _add_options)
    timeouts = {
        "SENTIMENT_HEADER_TIMEOUT_S": str(args.timeout),
        "SENTIMENT_BODY_TIMEOUT_S": str(args.timeout),
    }
    with scenario.service("slowloris", args, 1, env=timeouts) as service:
        service.closed_loop(NORMAL_CLIENTS, scenario.WARM_UP_SECONDS)
        unloaded = service.closed_loop(NORMAL_CLIENTS, args.seconds)
        clients = [
            hostile.slowloris_client(service.port, trickle_body=number % 2 == 1)
            for number in range(SLOW_CONNECTIONS)
        ]
        with hostile.running(clients) as seen:
            loaded = service.closed_loop(NORMAL_CLIENTS, args.seconds)
    result = _judge(unloaded, loaded, seen.lifetimes_s, args.timeout, args.min_share, args.slack)
    return scenario.report(args.out, "slowloris", result, _markdown(result))


def _judge(
    unloaded: dict[str, float],
    loaded: dict[str, float],
    lifetimes: list[float],
    timeout: float,
    min_share: float = MIN_SHARE,
    slack: float = SLACK_S,
) -> dict[str, Any]:
    share = loaded["requests_per_s"] / unloaded["requests_per_s"]
    longest = max(lifetimes, default=0.0)
    return {
        "timeout_s": timeout,
        "min_share": min_share,
        "slack_s": slack,
        "unloaded_requests_per_s": round(unloaded["requests_per_s"], 1),
        "loaded_requests_per_s": round(loaded["requests_per_s"], 1),
        "loaded_p99_ms": round(loaded["p99_ms"], 1),
        "loaded_errors": loaded["errors"],
        "share_of_unloaded_throughput": round(share, 3),
        "slow_connections_closed": len(lifetimes),
        "slow_lifetime_p50_s": round(float(np.median(lifetimes)), 2) if lifetimes else None,
        "slow_lifetime_max_s": round(longest, 2),
        "passed": share >= min_share
        and loaded["errors"] == 0
        and bool(lifetimes)
        and longest <= timeout + slack,
    }


def _markdown(result: dict[str, Any]) -> str:
    setup = (
        f"{NORMAL_CLIENTS} closed-loop clients of one review on /predict, alone and beside"
        f" {SLOW_CONNECTIONS} connections trickling headers or body a byte a second (read"
        f" timeouts {result['timeout_s']:g} s)."
    )
    lines = [
        "# Slowloris",
        "",
        setup,
        "",
        f"- normal clients: {result['unloaded_requests_per_s']} requests/s alone,"
        f" {result['loaded_requests_per_s']} beside the slow connections"
        f" ({result['share_of_unloaded_throughput']:.1%}; at least {result['min_share']:.0%}), p99"
        f" {result['loaded_p99_ms']} ms, {result['loaded_errors']} errors;",
        f"- slow connections closed by the server: {result['slow_connections_closed']}, after"
        f" {result['slow_lifetime_p50_s']} s (median), {result['slow_lifetime_max_s']} s at most.",
        "",
    ]
    return scenario.with_verdict(lines, result["passed"])


def _add_options(parser: argparse.ArgumentParser) -> None:
    scenario.seconds_option(10.0)(parser)
    parser.add_argument("--timeout", type=float, default=3.0, help="read timeouts, seconds")
    parser.add_argument(
        "--min-share",
        type=float,
        default=MIN_SHARE,
        help="share of the unloaded throughput the normal clients must keep (default %(default)s)",
    )
    parser.add_argument(
        "--slack",
        type=float,
        default=SLACK_S,
        help="seconds past the timeout a slow connection may live, as the clients measure it"
        " (their own event loop's lag included; default %(default)s)",
    )


if __name__ == "__main__":
    sys.exit(main())
