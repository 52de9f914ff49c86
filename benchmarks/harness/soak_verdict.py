"""The soak's verdict and report (``benchmarks.soak``): answers by kind of request and status,
resident-memory growth, and whether the service was back to idle after the load."""

from __future__ import annotations

from collections import Counter
from typing import Any

from benchmarks.harness import mix, scenario

MAX_GROWTH = 0.05  # resident memory, from the end of the first round (the warm-up) to the end
SETTLE_SECONDS = 5.0  # the queue gauges must read 0 within this once the load stops
# An idle request after the soak may take this many times the unloaded median, plus a little
# absolute slack (a millisecond or two is scheduling noise on a shared machine, not a leak).
IDLE_RATIO, IDLE_SLACK_MS = 1.5, 2.0


def mix_capacity(run: dict[str, Any]) -> float:
    """Requests/s of the whole mix answered 200: for each kind, its answers 200 per second over
    its share of the mix; the least of them. (Counting every 200 alike would let a run that
    shed the costly kinds claim a capacity the mix does not have.)"""
    cycle = sum(mix.SHARES.values())
    return min(
        run["by_kind"].get(kind, {}).get(200, 0) * cycle / share / run["seconds"]
        for kind, share in mix.SHARES.items()
    )


def answers_by_kind(rounds: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Answers of every round added up, by kind of request, then by status ("0": none)."""
    total: dict[str, Counter[str]] = {}
    for run in rounds:
        for kind, statuses in run["by_kind"].items():
            counts = total.setdefault(kind, Counter())
            counts.update({str(status): n for status, n in statuses.items()})
    return {kind: dict(sorted(counts.items())) for kind, counts in sorted(total.items())}


def _count(answers: dict[str, dict[str, int]], wanted: Any) -> int:
    return sum(n for s in answers.values() for status, n in s.items() if wanted(int(status)))


def judge(
    capacity: dict[str, Any], rounds: list[dict[str, Any]], settled: dict[str, Any]
) -> dict[str, Any]:
    """Passes with every answer a 200 (so 0 5xx, a 503 included, and none lost), resident
    memory growth of at most MAX_GROWTH, the queue gauges at 0 within SETTLE_SECONDS, and idle
    requests afterwards about as fast as unloaded ones."""
    answers = answers_by_kind(rounds)
    warm, last = rounds[0]["rss_mb"], rounds[-1]["rss_mb"]
    growth = (last - warm) / warm
    idle_limit = settled["unloaded_ms"] * IDLE_RATIO + IDLE_SLACK_MS
    checks = {
        "all answers 200": _count(answers, lambda s: s != 200) == 0,
        "resident memory growth": growth <= MAX_GROWTH,
        "queue back to idle": settled["seconds_to_idle"] is not None
        and settled["seconds_to_idle"] <= SETTLE_SECONDS,
        "idle latency as unloaded": settled["idle_ms"] <= idle_limit,
    }
    return {
        **capacity,
        "minutes": round(sum(r["seconds"] for r in rounds) / 60, 1),
        "requests": sum(sum(s.values()) for s in answers.values()),
        "answers_by_kind": answers,
        "server_errors": _count(answers, lambda s: s >= 500),
        "shed_503": _count(answers, lambda s: s == 503),
        "no_answer": _count(answers, lambda s: s == 0),
        "other_errors": _count(answers, lambda s: 0 < s < 500 and s != 200),
        "rss_after_warm_up_mb": warm,
        "rss_at_end_mb": last,
        "rss_growth": round(growth, 4),
        "worst_p99_ms_by_kind": {
            kind: max(r["p99_ms_by_kind"].get(kind, 0.0) for r in rounds) for kind in answers
        },
        "first_refusals": {k: v for r in rounds[::-1] for k, v in r["first_refusals"].items()},
        "after_load": {**settled, "idle_limit_ms": round(idle_limit, 2)},
        "rounds": rounds,
        "checks": checks,
        "passed": all(checks.values()),
    }


def _summary(result: dict[str, Any]) -> str:
    return (
        f"{result['minutes']} min of mixed work at {result['offered_per_s']} requests/s"
        f" ({result['load']:.0%} of the mix's measured capacity,"
        f" {result['capacity_requests_per_s']} answered 200/s by {result['connections']}"
        f" closed-loop clients; their answers: {result['capacity_answers']})."
        f" {result['requests']} requests: {result['server_errors']} 5xx"
        f" ({result['shed_503']} of them 503), {result['no_answer']} without an answer,"
        f" {result['other_errors']} other errors."
    )


def markdown(result: dict[str, Any]) -> str:
    after = result["after_load"]
    lines = [
        "# Soak",
        "",
        _summary(result),
        "",
        "| kind | answers by status (0: none) | p99 ms, worst round |",
        "|---|---|---:|",
        *(
            f"| {kind} | {statuses} | {result['worst_p99_ms_by_kind'].get(kind)} |"
            for kind, statuses in result["answers_by_kind"].items()
        ),
        "",
        f"Resident memory of all service processes {result['rss_after_warm_up_mb']} MB after the"
        f" first round, {result['rss_at_end_mb']} MB at the end: growth"
        f" {result['rss_growth']:.2%} (limit {MAX_GROWTH:.0%}).",
        "",
        f"First answer other than 200 of each kind (during the capacity run):"
        f" {result['capacity_refusals'] or 'none'}; during the rounds:"
        f" {result['first_refusals'] or 'none'}.",
        "",
        f"After the load: queue and in-flight gauges at 0 after {after['seconds_to_idle']} s"
        f" (limit {SETTLE_SECONDS:g} s; last read {after['gauges']}); an idle short request"
        f" took {after['idle_ms']} ms (median), {after['unloaded_ms']} ms before the soak"
        f" (limit {after['idle_limit_ms']} ms).",
        "",
        "| round | offered/s | answered/s | p50 ms | p99 ms | not 200 | RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rounds"]:
        lines.append(
            f"| {r['round']} | {r['offered_per_s']} | {r['answered_per_s']} | {r['p50_ms']} |"
            f" {r['p99_ms']} | {r['errors']} | {r['rss_mb']} |"
        )
    failed = [name for name, ok in result["checks"].items() if not ok]
    lines += ["", f"Failed checks: {', '.join(failed)}." if failed else "All checks met.", ""]
    return scenario.with_verdict(lines, result["passed"])
