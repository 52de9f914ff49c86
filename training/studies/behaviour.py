"""``python -m training.behaviour --bundle DIR``: run the behavioural suite on a bundle with
onnxruntime (no TensorFlow) and print its Markdown table (``--json``: the pass rates as JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from app.inference.bundle import BundleError
from app.inference.pipeline import SentimentClassifier
from app.paths import DEFAULT_BUNDLE
from training.measure.behaviour.report import render_markdown
from training.measure.behaviour.runner import run_suite


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.behaviour", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--json", action="store_true", help="print pass rates as JSON")
    args = parser.parse_args(argv)
    try:
        classifier = SentimentClassifier.from_bundle(args.bundle)
    except (BundleError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201 - the command's output
        return 1
    result = run_suite(classifier)
    output = json.dumps(result.summary(), indent=2) if args.json else render_markdown(result)
    print(output)  # noqa: T201 - the command's output
    return 0
