"""``python -m benchmarks.models_memory``: the memory of one worker process serving one, two
and three models.

Each model is a copy of the bundle (``--bundle``, default the shipped one) under a name of its
own, so that every extra model costs what a second bundle of that size costs. For each count,
``python -m app`` runs with ``SENTIMENT_WORKERS=1`` (one process that serves, no supervisor),
scores a few reviews with every model (so that each session's buffers are in use), and reads
the process's ``/proc/PID/smaps_rollup``: resident (RSS) and proportional (PSS) set size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import httpx

from app.paths import DEFAULT_BUNDLE
from benchmarks.harness.processes import serving
from benchmarks.harness.procstats import smaps_rollup

REVIEW = "A slow, thoughtful and quite wonderful film about patience. " * 40


def copies(bundle: Path, count: int, folder: Path) -> list[Path]:
    """``count`` copies of ``bundle``, each renamed in its manifest (not checksummed)."""
    made = []
    for index in range(count):
        target = folder / f"model-{index + 1}"
        shutil.copytree(bundle, target)
        manifest_path = target / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        manifest["name"] = f"model-{index + 1}"
        manifest_path.write_text(json.dumps(manifest))
        made.append(target)
    return made


def measure(folders: list[Path]) -> dict[str, int]:
    env = {
        "SENTIMENT_WORKERS": "1",
        "SENTIMENT_BUNDLE_PATH": str(folders[0]),
        "SENTIMENT_EXTRA_BUNDLE_PATHS": ",".join(str(folder) for folder in folders[1:]),
        "SENTIMENT_LOG_LEVEL": "warning",
    }
    with serving([sys.executable, "-m", "app"], env) as server:
        for index in range(len(folders)):
            body = {"texts": [REVIEW] * 16, "model": f"model-{index + 1}"}
            httpx.post(f"{server.base}/predict", json=body, timeout=60).raise_for_status()
        return smaps_rollup(server.process.pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.models_memory")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--models", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        bundles = copies(args.bundle, max(args.models), Path(folder))
        rows = ["| models | RSS (MB) | PSS (MB) |", "|---|---|---|"]
        for count in args.models:
            memory = measure(bundles[:count])
            rows.append(f"| {count} | {memory['Rss'] / 1024:.0f} | {memory['Pss'] / 1024:.0f} |")
    print("\n".join(rows))  # noqa: T201 - the command's output
    return 0


if __name__ == "__main__":
    sys.exit(main())
