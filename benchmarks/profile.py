"""``python -m benchmarks.profile``: where a request's time goes in the service, at c=1 and c=64.

The service (``python -m app`` with one worker process, ``SENTIMENT_WORKERS=1``, so that every
request's time is spent in the one process sampled; metrics on, as by default) answers single
test reviews from ``wrk`` (a closed loop of C connections) while py-spy samples the process
(``--nonblocking``: it reads the process's memory without pausing it; idle threads left out).
Each sample is a Python stack of a busy thread. A function's *self* share is the share of
samples in which it is the innermost frame: where the time goes (a call into compiled code,
such as ``InferenceSession.run`` or the tokenizer, counts as the Python function that made it).
Its *total* share is the share in which it is anywhere on the stack. The self shares are also
added up by package (``app.api``, ``starlette``, ``onnxruntime``, ...). Writes
``profile.md`` (the top costs) and ``profile.json`` (every function's counts).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from app.paths import DEFAULT_BUNDLE, REPOSITORY
from benchmarks.harness import loadgen
from benchmarks.harness.processes import benchmark_server, free_port
from benchmarks.harness.workload import DEFAULT_DATA, from_dataset, request_bodies, write_bodies

CONCURRENCIES = (1, 64)
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def module_file(file: str) -> str:
    """A frame's file from its package on (``fastapi/routing.py``, ``app/api/predict.py``,
    ``json/encoder.py``): py-spy shortens most paths so already, not all."""
    if "site-packages/" in file:
        return file.rsplit("site-packages/", 1)[1]
    if "/app/" in file:
        return "app/" + file.rsplit("/app/", 1)[1]
    return file


def package_of(file: str) -> str:
    """``app.api`` for app/api/..., ``fastapi`` for fastapi/..., ``asyncio`` for asyncio/..."""
    parts = module_file(file).split("/")
    if parts[0] == "app" and len(parts) > 2:
        return f"app.{parts[1]}"
    return parts[0].removesuffix(".py")


def costs(raw: str) -> dict[str, Any]:
    """Self and total sample counts by function, and self counts by package, from py-spy's
    ``--format raw --function`` output (one ``frame;frame;...;innermost count`` line per
    stack, a frame being ``function (file:line)``)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [FRAME.match(frame) for frame in stack.split(";")]
        names = [f"{m['function']} ({module_file(m['file'])})" if m else "?" for m in frames]
        samples += count
        own[names[-1]] += count
        for name in set(names):
            total[name] += count
        packages[package_of(frames[-1]["file"]) if frames[-1] else "?"] += count
    return {"samples": samples, "self": own, "total": total, "packages": packages}


def profile_at(base: str, pid: int, bodies: Path, concurrency: int, args: Any) -> dict[str, Any]:
    """wrk at ``concurrency`` for ``args.seconds`` + 2 s, py-spy on ``pid`` in the middle."""
    load: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: load.update(
            loadgen.closed_loop(f"{base}/predict", bodies, concurrency, args.seconds + 2)
        )
    )
    thread.start()
    time.sleep(1)  # connections open and the first requests answered
    with tempfile.NamedTemporaryFile(suffix=".txt") as raw:
        command = [
            args.py_spy, "record", "--pid", str(pid), "--duration", str(round(args.seconds)),
            "--rate", str(args.rate), "--format", "raw", "--function", "--nonblocking",
            "--output", raw.name,
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, text=True)
        found = costs(Path(raw.name).read_text())
    thread.join()
    return {"concurrency": concurrency, "load": load, **found}


def top_table(result: dict[str, Any], count: int) -> str:
    samples = result["samples"] or 1
    rows = ["| function (module) | self % | total % |", "|---|---:|---:|"]
    for frame, own in result["self"].most_common(count):
        share, total = 100 * own / samples, 100 * result["total"][frame] / samples
        rows.append(f"| `{frame}` | {share:.1f} | {total:.1f} |")
    rows += ["", "| package | self % |", "|---|---:|"]
    rows += [
        f"| {package} | {100 * own / samples:.1f} |"
        for package, own in result["packages"].most_common(count)
    ]
    return "\n".join(rows)


def report(results: list[dict[str, Any]], args: Any, started: str) -> str:
    load = os.getloadavg()
    parts = [
        "# Where a request's time goes (py-spy)\n",
        f"`python -m benchmarks.profile`, {started}: the service with one worker process and"
        f" metrics on, single test reviews from wrk, py-spy at {args.rate} Hz for"
        f" {args.seconds:g} s per concurrency. {os.cpu_count()} CPUs, shared with other jobs"
        f" (load average {load[0]:.1f} at the end); wrk ran on the same machine. Self: the"
        " function is the innermost frame (a call into compiled code counts as the Python"
        " function that made it); total: it is anywhere on the stack.\n",
    ]
    for result in results:
        load_line = result["load"]
        parts.append(
            f"## c={result['concurrency']}: {load_line.get('requests_per_s', 0):.0f} requests/s,"
            f" p50 {load_line.get('p50_ms', 0):.2f} ms, {result['samples']} samples\n"
        )
        parts.append(top_table(result, args.top) + "\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    scratch = Path(tempfile.mkdtemp(prefix="profile-"))
    workload = from_dataset(args.data, args.bundle, args.reviews, args.seed)
    bodies = write_bodies(scratch / "bodies.jsonl", request_bodies(workload.reviews, 1))
    env = {"SENTIMENT_WORKERS": "1", "SENTIMENT_LOG_LEVEL": "warning"}
    port = free_port()
    with benchmark_server("profile", [sys.executable, "-m", "app"], env, port, args.bundle) as (
        process,
        _ready_seconds,
    ):
        base = f"http://127.0.0.1:{port}"
        results = [profile_at(base, process.pid, bodies, c, args) for c in args.concurrency]
    shutil.rmtree(scratch, ignore_errors=True)
    text = report(results, args, started)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "profile.md").write_text(text)
    (args.out / "profile.json").write_text(json.dumps(results, indent=2) + "\n")
    print(text)  # noqa: T201 - the command's output
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--concurrency", type=int, nargs="+", default=list(CONCURRENCIES))
    parser.add_argument("--seconds", type=float, default=15.0, help="sampled per concurrency")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=15, help="rows per table")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or _venv_py_spy())
    parser.add_argument("--reviews", type=int, default=500, help="test reviews sampled")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results")
    return parser.parse_args(argv)


def _venv_py_spy() -> str:
    return str(Path(sys.executable).with_name("py-spy"))


if __name__ == "__main__":
    sys.exit(main())
