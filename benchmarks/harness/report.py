"""The benchmark's table and the acceptance lines: the targets of the performance issue (22)
where it sets one, the first performance issue's elsewhere."""

from __future__ import annotations

from typing import Any

SYSTEMS = {
    "a": "(a) in-process onnxruntime (the limit)",
    "b": "(b) the service",
    "b-open-loop": "(b) the service, fixed rate",
    "b-metrics-on": "(b) the service, metrics on",
    "b-metrics-off": "(b) the service, metrics off",
    "c": "(c) FastAPI + Keras model.predict",
    "c-inprocess": "(c) in-process Keras model.predict",
    "d": "(d) FastAPI + session.run per request",
    "e": "(e) FastAPI, same request and response, no model",
}


# Issue 22's targets: single reviews at c=64 against the in-process limit; one short text at
# c=1 (ms), and no slower than the plain endpoint.
SINGLE_C64_RATIO = 0.85
SHORT_P50_MS = 0.6


def row_line(row: dict[str, Any]) -> str:
    return (
        f"{row['system']:>11} | {row['config']:<40} | {row['reviews_per_s']:9.1f} reviews/s"
        f" | p50 {row['p50_ms']:8.2f} p95 {row['p95_ms']:8.2f} p99 {row['p99_ms']:8.2f} ms"
        f" | {row['peak_rss_mb']:6.0f} MB"
    )


def _find(rows: list[dict[str, Any]], system: str, config: str) -> dict[str, Any]:
    return next(r for r in rows if r["system"] == system and r["config"] == config)


def acceptance(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each acceptance line: the measured figure, the target and whether it is met."""
    limit = max(
        (r for r in rows if r["system"] == "a" and r["texts"] == "reviews"),
        key=lambda r: r["reviews_per_s"],
    )
    single = _find(rows, "b", "1 review, c=64")
    batched = _find(rows, "b", "32 reviews, c=8")
    lines = [
        _ratio("(b)/(a), 1 review at c=64", single, limit, SINGLE_C64_RATIO),
        _ratio("(b)/(a), 32 reviews at c=8", batched, limit, 1.05),
    ]
    if any(r["system"] == "c" for r in rows):
        lines.append(
            _ratio("(b)/(c), 1 review at c=64", single, _find(rows, "c", single["config"]), 10)
        )
    lines.append(
        _ratio("(b)/(d), 1 review at c=64", single, _find(rows, "d", single["config"]), 1.5)
    )
    if any(r["system"] == "e" for r in rows):
        lines.append(http_ceiling(_find(rows, "e", single["config"]), limit))
    short = _find(rows, "b", "1 short text, c=1")
    plain_short = _find(rows, "d", "1 short text, c=1")
    target = min(round(plain_short["p50_ms"], 3), SHORT_P50_MS)
    lines.append(_at_most("p50 of one short text at c=1 (ms)", short["p50_ms"], target))
    lines[-1]["yardstick"] = (
        f"(d) p50 {plain_short['p50_ms']:.2f} ms; the target is the lower of it and"
        f" {SHORT_P50_MS} ms"
    )
    fixed = next(r for r in rows if r["system"] == "b-open-loop")
    lines.append(
        _at_most(f"p99 at {fixed['offered_per_s']:.0f} requests/s (ms)", fixed["p99_ms"], 10)
    )
    service = [r for r in rows if r["system"].startswith("b")]
    lines.append(
        _at_most(
            "process start to ready (s, worst)", max(r["start_to_ready_s"] for r in service), 3
        )
    )
    worst = max(service, key=lambda r: r["peak_rss_mb"])
    memory = _at_most("peak RSS of one service process (MB, worst)", worst["peak_rss_mb"], 300)
    memory["yardstick"] = (
        f"all {worst.get('processes', 1)} processes together:"
        f" {max(r.get('total_peak_rss_mb', r['peak_rss_mb']) for r in service):.0f} MB"
    )
    lines.append(memory)
    errors = sum(r.get("errors", 0) for r in rows if r["system"].startswith("b"))
    lines.append(_at_most("errors answered by the service", errors, 0))
    return lines


def http_ceiling(floor: dict[str, Any], limit: dict[str, Any]) -> dict[str, Any]:
    """The most (b)/(a) can be at this shape, given what HTTP alone costs: a request takes
    1/E of the machine in (e) (E requests/s, every core busy, the load generator's share
    included) and a review 1/L in (a), so no server on this HTTP stack answers more than
    1 / (1/E + 1/L) reviews/s, E / (E + L) of the limit. The target is issue 22's."""
    http, model = floor["reviews_per_s"], limit["reviews_per_s"]
    value, target = http / (http + model), SINGLE_C64_RATIO
    return {
        "line": "ceiling of (b)/(a), 1 review at c=64, that (e)'s HTTP cost leaves: E/(E+L)",
        "value": round(value, 3),
        "target": f">= {target}",
        "met": value >= target,
        "yardstick": f"E = {http:.0f} requests/s (e), L = {model:.0f} reviews/s (a)",
    }


def _ratio(
    what: str, row: dict[str, Any], yardstick: dict[str, Any], target: float
) -> dict[str, Any]:
    value = row["reviews_per_s"] / yardstick["reviews_per_s"]
    return {
        "line": what,
        "value": round(value, 3),
        "target": f">= {target}",
        "met": value >= target,
        "yardstick": f"{yardstick['reviews_per_s']:.0f} reviews/s ({yardstick['config']})",
        "measured": f"{row['reviews_per_s']:.0f} reviews/s",
    }


def _at_most(what: str, value: float, target: float) -> dict[str, Any]:
    return {
        "line": what,
        "value": round(value, 3),
        "target": f"<= {target}",
        "met": value <= target,
    }


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        "# Serving benchmark",
        "",
        f"{machine['date']}; {machine['cpus']} CPUs, Python {machine['python']}, onnxruntime"
        f" {machine['onnxruntime']}; load average at start {machine['load_average_at_start']}.",
        "Load generator: wrk (closed loop, one thread) or an asyncio client (fixed rate), on"
        " loopback in another process, sharing the same cores. CPU is the measured process's"
        " user + system time; peak RSS its high-water mark.",
        "",
        "| system | configuration | reviews/s | p50 ms | p95 ms | p99 ms | CPU s / 1k reviews |"
        " peak RSS MB (largest process) | processes (sum of peaks MB) | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["rows"]:
        lines.append(
            f"| {SYSTEMS[row['system']]} | {row['config']} | {row['reviews_per_s']:.1f} |"
            f" {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {row['p99_ms']:.2f} |"
            f" {row['cpu_s_per_1k_reviews']:.2f} | {row['peak_rss_mb']:.0f} |"
            f" {row.get('processes', 1)} ({row.get('total_peak_rss_mb', row['peak_rss_mb']):.0f}) |"
            f" {row.get('errors', 0)} |"
        )
    lines += [
        "",
        "## Acceptance",
        "",
        "| line | value | target | met | yardstick |",
        "|---|---:|---|---|---|",
    ]
    for line in results["acceptance"]:
        lines.append(
            f"| {line['line']} | {line['value']} | {line['target']} |"
            f" {'yes' if line['met'] else '**no**'} | {line.get('yardstick', '')} |"
        )
    return "\n".join(lines) + "\n"
