"""``python -m benchmarks.tracing_cost``: what the tracing code costs the service while tracing
is off (the default).

Runs ``python -m app`` from this tree with ``SENTIMENT_TRACING=false`` and from a checkout of
``--baseline`` (by default the last commit before request IDs, tracing and the prediction log
landed) in turn, the order alternating each round so that drift of a shared machine's load falls
on both alike. Both serve the same bundle with the same settings; each is loaded with single
IMDB test reviews at concurrency 64 (wrk, loopback). Prints both side by side and the ratio
this tree / baseline; the target is >= 0.97.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.paths import REPOSITORY
from benchmarks.harness import alternating, report

BEFORE_TRACING = "5609e24"  # main just before the request-ID and tracing merge (a20479c)
OFF, BASELINE = "tracing-off", "before-tracing"
GENERATED = Path("app/api/open_inference/vendor")  # relative to the repository


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """A detached worktree of ``revision``, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="tracing-cost-")) / "tree"
    subprocess.run(
        ["git", "worktree", "add", "-q", "--detach", str(folder), revision],
        check=True,
        cwd=REPOSITORY,
    )
    # Generated gRPC modules come from this tree: older ones were made for protobuf 7, which
    # the install no longer has (the request path does not run them).
    shutil.copytree(REPOSITORY / GENERATED, folder / GENERATED, dirs_exist_ok=True)
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)], check=False, cwd=REPOSITORY
        )


def check_imports_from(tree: Path, python: list[str], env: dict[str, str]) -> None:
    """Fail unless ``python`` with ``env`` imports the service from ``tree``."""
    code = "import app; print(app.__file__)"
    found = subprocess.run(
        [*python, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True
    ).stdout.strip()
    if not Path(found).is_relative_to(tree):
        raise SystemExit(f"the baseline would import {found}, not the checkout in {tree}")


def acceptance_line(rows: list[dict[str, Any]], revision: str) -> dict[str, Any]:
    what = f"tracing off / before tracing ({revision})"
    return alternating.ratio_line(rows, what, (OFF, "tracing off"), (BASELINE, "before tracing"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tracing_cost", description=__doc__)
    parser.add_argument("--baseline", default=BEFORE_TRACING, help="git revision to compare with")
    args = alternating.arguments(parser, port=8767, rounds=3)
    _say(f"reading test reviews from {args.data}")
    bodies = alternating.single_review_bodies(args)
    with checkout(args.baseline) as tree:
        # -P: the servers run from this repository, whose folder would otherwise come first on
        # sys.path; the baseline's tree must.
        baseline = [sys.executable, "-P", "-m", "app"]
        check_imports_from(tree, baseline[:2], {"PYTHONPATH": str(tree)})
        systems: list[alternating.System] = [
            (OFF, {"SENTIMENT_TRACING": "false"}),
            (BASELINE, {"PYTHONPATH": str(tree)}, baseline),
        ]
        rows = alternating.measure(
            systems,
            args.bundle.resolve(),
            bodies,
            args.port,
            args.seconds,
            args.rounds,
            say=lambda row: _say(report.row_line(row)),
        )
    line = acceptance_line(rows, args.baseline)
    alternating.report(rows, line, "system", args.out)


def _say(message: str) -> None:
    print(f"[tracing-cost] {message}", file=sys.stderr, flush=True)  # noqa: T201


if __name__ == "__main__":
    main()
