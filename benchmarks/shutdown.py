"""``python -m benchmarks.shutdown``: SIGTERM with 300 requests in flight (issue 23).

Opens ``--requests`` connections (300), sends a request of 32 reviews on each, and sends
SIGTERM to the service once the first answers arrive, with most requests still queued. Every
request must get a complete answer, 200 or a JSON 503 (never uvicorn's plain-text 500, a reset
or a close without an answer), and the service must exit within its 10 s grace period.
``UNDER_LOAD_COMMAND=".venv/bin/python -m benchmarks.shutdown" scripts/test_under_load.sh``
runs it 10 times beside two CPU hogs. Prints and writes ``shutdown.md`` and ``shutdown.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections import Counter

from benchmarks.harness import hostile, loadgen, scenario

GRACE_S = 10.0


def main() -> int:
    args = scenario.parse_args("shutdown", __doc__, 8771, _add_options)
    with scenario.service("shutdown", args, reviews_per_request=32) as service:
        requests = [loadgen.post("/predict", body.encode()) for body in service.bodies]
        outcomes, exit_s = asyncio.run(_stop_under_load(service, requests, args.requests))
    result = {
        "requests": args.requests,
        "outcomes": dict(sorted(outcomes.items())),
        "exit_after_sigterm_s": round(exit_s, 2),
        "passed": outcomes["200"] + outcomes["503 json"] == args.requests and exit_s <= GRACE_S,
    }
    summary = (
        f"{args.requests} requests of 32 reviews in flight at SIGTERM. Outcomes:"
        f" {result['outcomes']} (only 200 and JSON 503 pass); the service exited"
        f" {result['exit_after_sigterm_s']} s after the signal (at most {GRACE_S:g} s)."
    )
    markdown = scenario.with_verdict(["# Shutdown", "", summary, ""], result["passed"])
    return scenario.report(args.out, "shutdown", result, markdown)


async def _stop_under_load(
    service: scenario.Service, requests: list[bytes], total: int
) -> tuple[Counter[str], float]:
    outcomes: Counter[str] = Counter()
    first_answer = asyncio.Event()

    async def one(number: int) -> None:
        try:
            reader, writer = await asyncio.open_connection(loadgen.HOST, service.port)
            writer.write(requests[number % len(requests)])
            status, headers = await asyncio.wait_for(hostile.read_answer(reader), 30)
            writer.close()
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            outcomes[type(error).__name__] += 1
            return
        first_answer.set()
        json = headers.get("content-type", "").startswith("application/json")
        outcomes[f"{status}{' json' if status != 200 and json else ''}"] += 1

    tasks = [asyncio.create_task(one(number)) for number in range(total)]
    await first_answer.wait()
    service.process.send_signal(signal.SIGTERM)
    exited = asyncio.create_task(asyncio.to_thread(_exit_seconds, service, time.monotonic()))
    await asyncio.gather(*tasks)
    return outcomes, await exited


def _exit_seconds(service: scenario.Service, signalled: float) -> float:
    service.process.wait(timeout=GRACE_S * 3)
    return time.monotonic() - signalled


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=300)


if __name__ == "__main__":
    sys.exit(main())
