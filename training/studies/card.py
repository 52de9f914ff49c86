"""``python -m training card [--bundle DIR] [--trials FILE]``: write a bundle's model card again
from its manifest, the trials log and the sections measured on it (``training.ship.card_refresh``),
so that trials logged since its export reach its trials and ablation tables."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from app.paths import DEFAULT_BUNDLE
from training.fit.data import IMDB_TRIALS
from training.ship.card_refresh import refresh_card
from training.ship.trials import read_trials


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training card", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument(
        "--trials", type=Path, default=IMDB_TRIALS, help="trials log (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    refresh_card(args.bundle, read_trials(args.trials))
    return 0
