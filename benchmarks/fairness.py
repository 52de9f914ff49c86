"""``python -m benchmarks.fairness``: short requests beside costly explanations (issue 23).

1. unloaded: 64 closed-loop clients (wrk) each send one short review to ``/predict``;
2. loaded: the same, while 16 other clients send ``/explain`` requests of about 1,000 tokens
   non-stop (each waiting the ``Retry-After`` it is told after a 503, as a client should).

Passes when the short clients keep at least half of their unloaded throughput with a p99 of
at most 250 ms, and every explanation is answered (200 or 503, no timeouts or lost answers).
Prints and writes ``fairness.md`` and ``fairness.json`` (in ``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tokenizers import Tokenizer

from benchmarks.harness import hostile, scenario

SHORT_CLIENTS, EXPLAIN_CLIENTS = 64, 16
EXPLAIN_TOKENS = 1000
MIN_SHARE, MAX_P99_MS = 0.5, 250.0  # of the unloaded throughput; of the short requests


def main() -> int:
    args = scenario.parse_args("fairness", __doc__, 8768, scenario.seconds_option(10.0))
    with scenario.service("fairness", args, reviews_per_request=1, texts="short") as service:
        service.closed_loop(SHORT_CLIENTS, scenario.WARM_UP_SECONDS)
        unloaded = service.closed_loop(SHORT_CLIENTS, args.seconds)
        texts = long_reviews(service.workload.reviews, _tokenizer(args), EXPLAIN_CLIENTS)
        clients = [
            hostile.explain_client(service.port, json.dumps({"text": text}).encode())
            for text in texts
        ]
        with hostile.running(clients) as seen:
            loaded = service.closed_loop(SHORT_CLIENTS, args.seconds)
    result = _judge(unloaded, loaded, dict(seen.statuses))
    return scenario.report(args.out, "fairness", result, _markdown(result))


def _tokenizer(args: argparse.Namespace) -> Tokenizer:
    from app.inference.bundle import load_tokenizer, read_manifest

    tokenizer = load_tokenizer(args.bundle, read_manifest(args.bundle))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def long_reviews(reviews: list[str], tokenizer: Tokenizer, count: int) -> list[str]:
    """``count`` texts of test reviews joined up to about EXPLAIN_TOKENS tokens each."""
    texts, current = [], ""
    for review in reviews:
        joined = f"{current} {review}".strip()
        if len(tokenizer.encode(joined, add_special_tokens=False).ids) > EXPLAIN_TOKENS:
            texts.append(current)
            if len(texts) == count:
                return texts
            joined = review
        current = joined
    raise ValueError("not enough reviews to make the long texts")


def _judge(
    unloaded: dict[str, float], loaded: dict[str, float], explain: dict[int, int]
) -> dict[str, Any]:
    share = loaded["requests_per_s"] / unloaded["requests_per_s"]
    lost = {status: n for status, n in explain.items() if status not in (200, 503)}
    return {
        "unloaded": _figures(unloaded),
        "loaded": _figures(loaded),
        "share_of_unloaded_throughput": round(share, 3),
        "explain_answers": {str(k): v for k, v in sorted(explain.items())},
        "passed": share >= MIN_SHARE
        and loaded["p99_ms"] <= MAX_P99_MS
        and loaded["errors"] == 0
        and not lost,
    }


def _figures(run: dict[str, float]) -> dict[str, float]:
    return {
        "requests_per_s": round(run["requests_per_s"], 1),
        "p50_ms": round(run["p50_ms"], 1),
        "p99_ms": round(run["p99_ms"], 1),
        "errors": run["errors"],
    }


def _markdown(result: dict[str, Any]) -> str:
    unloaded, loaded = result["unloaded"], result["loaded"]
    lines = [
        "# Fairness",
        "",
        f"{SHORT_CLIENTS} closed-loop clients of one short review on /predict, alone and beside"
        f" {EXPLAIN_CLIENTS} clients sending ~{EXPLAIN_TOKENS}-token reviews to /explain non-stop.",
        "",
        "| short clients | requests/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|",
        f"| alone | {unloaded['requests_per_s']} | {unloaded['p50_ms']} | {unloaded['p99_ms']} |"
        f" {unloaded['errors']} |",
        f"| beside /explain | {loaded['requests_per_s']} | {loaded['p50_ms']} |"
        f" {loaded['p99_ms']} | {loaded['errors']} |",
        "",
        f"Share of unloaded throughput: {result['share_of_unloaded_throughput']:.1%} (at least"
        f" {MIN_SHARE:.0%}, p99 at most {MAX_P99_MS:g} ms). /explain answers by status (0: none):"
        f" {result['explain_answers']}.",
    ]
    return scenario.with_verdict(lines, result["passed"])


if __name__ == "__main__":
    sys.exit(main())
