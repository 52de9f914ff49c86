"""``python -m benchmarks.burst``: a burst far beyond capacity; every request must be answered.

``--requests`` requests of 32 reviews each (1,500 by default) from ``--concurrency``
connections at once (500), each sending its next request as soon as it has its answer. Every
request must get a complete HTTP answer: 200, or 503 with ``Retry-After``. Counted apart:
other statuses, connections reset, connections closed without an answer, and requests with no
answer within 60 s. ``scripts/overload_under_load.sh`` runs it 10 times beside two CPU hogs.
Prints and writes ``burst.md`` and ``burst.json`` (in ``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from typing import Any

from benchmarks.harness import hostile, loadgen, scenario

ANSWER_TIMEOUT_S = 60.0


def main() -> int:
    args = scenario.parse_args("burst", __doc__, 8770, _add_options)
    with scenario.service("burst", args, reviews_per_request=32) as service:
        requests = [loadgen.post("/predict", body.encode()) for body in service.bodies]
        outcomes = asyncio.run(_burst(service.port, requests, args.requests, args.concurrency))
    result = _judge(outcomes, args)
    return scenario.report(args.out, "burst", result, _markdown(result))


async def _burst(port: int, requests: list[bytes], total: int, concurrency: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    numbers = iter(range(total))

    async def connection() -> None:
        reader = writer = None
        for number in numbers:
            try:
                if writer is None or writer.is_closing():
                    reader, writer = await asyncio.open_connection(loadgen.HOST, port)
                writer.write(requests[number % len(requests)])
                assert reader is not None
                answer = hostile.read_answer(reader)
                status, headers = await asyncio.wait_for(answer, ANSWER_TIMEOUT_S)
                outcomes[_outcome(status, headers)] += 1
                if headers.get("connection", "").lower() == "close":
                    writer.close()
            except ConnectionResetError:
                outcomes["reset"] += 1
                writer = None
            except (asyncio.IncompleteReadError, BrokenPipeError):
                outcomes["closed without an answer"] += 1
                writer = None
            except TimeoutError:
                outcomes["no answer within 60 s"] += 1
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return outcomes


def _outcome(status: int, headers: dict[str, str]) -> str:
    if status == 503 and "retry-after" not in headers:
        return "503 without Retry-After"
    return str(status)


def _judge(outcomes: Counter[str], args: argparse.Namespace) -> dict[str, Any]:
    good = outcomes["200"] + outcomes["503"]
    return {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "outcomes": dict(sorted(outcomes.items())),
        "passed": good == args.requests,
    }


def _markdown(result: dict[str, Any]) -> str:
    summary = (
        f"{result['requests']} requests of 32 reviews from {result['concurrency']} connections"
        f" at once. Outcomes: {result['outcomes']} (only 200 and 503 with Retry-After pass)."
    )
    return scenario.with_verdict(["# Burst", "", summary, ""], result["passed"])


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=500)


if __name__ == "__main__":
    sys.exit(main())
