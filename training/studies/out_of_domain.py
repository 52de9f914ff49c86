"""Score a bundle on the out-of-domain sets beside other bundles (--compare) and two yardsticks
fitted or built without these sets (TF-IDF + logistic regression on the IMDB training split, and
the VADER lexicon), in one run: validation only, nothing is fitted on these sets. With
--update-card the table goes into the first bundle's model card."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from training.fit.data import Split, load_dataset
from training.fit.ngram import fit_ngram_model, positive_scores
from training.measure import out_of_domain_card
from training.measure.out_of_domain import (
    DEFAULT_OOD_DIR,
    OOD_FILES,
    Scorer,
    available,
    classifier_scorer,
    evaluate,
    load_binary_sets,
)
from training.ship import measured

log = logging.getLogger(__name__)


def vader_scorer() -> Scorer:
    """VADER's compound score mapped onto 0..1 (0.5 = its neutral 0)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def score(texts: Sequence[str]) -> np.ndarray:
        compound = [analyzer.polarity_scores(text)["compound"] for text in texts]
        return (np.array(compound, dtype=np.float32) + 1.0) / 2.0

    return score


def yardstick_scorer(imdb_data: Path, seed: int = 42) -> Scorer:
    """The TF-IDF + logistic regression yardstick, fitted on the IMDB training split."""
    model = fit_ngram_model(load_dataset(imdb_data, seed=seed).train, seed)
    return lambda texts: positive_scores(model, texts)


def bundle_scorer(bundle: Path, threads: int = 2) -> tuple[Scorer, float, str]:
    """A bundle's scorer, its threshold and its ``name version``."""
    from app.inference.pipeline import SentimentClassifier

    classifier = SentimentClassifier.from_bundle(bundle, intra_op_threads=threads)
    manifest = classifier.manifest
    return classifier_scorer(classifier), manifest.threshold, f"{manifest.name} {manifest.version}"


def compare(
    bundle: Path, others: Sequence[Path], sets: Mapping[str, Split], imdb_data: Path
) -> dict[str, dict[str, Any]]:
    """``bundle`` first, then ``others``, the TF-IDF yardstick and VADER, scored in one run."""
    results: dict[str, dict[str, Any]] = {}
    for path in (bundle, *others):
        score, threshold, title = bundle_scorer(path)
        results[title] = evaluate(score, sets, threshold)
        log.info("%s: mean accuracy %.4f", title, results[title]["mean_accuracy"])
    results["TF-IDF + LR (IMDB train)"] = evaluate(yardstick_scorer(imdb_data), sets)
    results["VADER"] = evaluate(vader_scorer(), sets)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.out_of_domain", description=__doc__)
    measured.add_options(parser, out=False)
    parser.add_argument(
        "--compare", type=Path, action="append", default=[], help="another bundle (repeatable)"
    )
    parser.add_argument("--ood-dir", type=Path, default=DEFAULT_OOD_DIR)
    args = parser.parse_args(argv)
    if not available(args.ood_dir):
        parser.error(f"{args.ood_dir}: the out-of-domain sets ({', '.join(OOD_FILES.values())})")
    results = compare(args.bundle, args.compare, load_binary_sets(args.ood_dir), args.data)
    print(out_of_domain_card.render_table(results))  # noqa: T201 - the command's output
    if args.update_card:
        command = "python -m training.out_of_domain " + " ".join(
            shlex.quote(arg) for arg in (sys.argv[1:] if argv is None else argv)
        )
        figures = {"command": f"`{command}`", "results": results}
        lines = out_of_domain_card.comparison_lines(figures)
        measured.update_bundle(args.bundle, "out_of_domain", figures, lines)
    return 0
