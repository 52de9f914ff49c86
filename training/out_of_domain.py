"""Text that is not an IMDB review: how a binary bundle does on the ``ood/`` sets.

The sets (``../shared/data/ood/``, never committed) are Amazon book and DVD reviews and airline
tweets; a binary model is scored on the tweets' positive and negative rows only, which are 80%
negative, so balanced accuracy is reported beside accuracy. They are for validation: nothing is
trained on them and no threshold or temperature is fitted on them. Each bundle is scored with its
own threshold, through the serving code, exactly as the server would answer.

``python -m training.out_of_domain --bundle A --bundle B`` prints one table for several bundles
beside two yardsticks fitted or built without these sets (TF-IDF + logistic regression on the IMDB
training split, and the VADER lexicon), all in the same run.
"""

from __future__ import annotations

import csv
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn import metrics as skm

from app.paths import DEFAULT_BUNDLE
from training.calibration import expected_calibration_error
from training.data import Split

log = logging.getLogger(__name__)

DEFAULT_OOD_DIR = Path("../shared/data/ood")
# name -> file; each a CSV with text,label columns.
OOD_FILES = {
    "amazon_books": "amazon_books.csv",
    "amazon_dvd": "amazon_dvd.csv",
    "airline_tweets": "airline_tweets.csv",
}
_BINARY_LABELS = {"negative": 0, "positive": 1}

Scorer = Callable[[Sequence[str]], np.ndarray]  # texts -> probability of positive


def available(ood_dir: Path = DEFAULT_OOD_DIR) -> bool:
    return all((ood_dir / name).is_file() for name in OOD_FILES.values())


def load_binary_sets(ood_dir: Path = DEFAULT_OOD_DIR) -> dict[str, Split]:
    """Every set's positive and negative rows (the tweets' neutral rows are left out)."""
    sets = {}
    for name, file in OOD_FILES.items():
        texts, labels = [], []
        with (ood_dir / file).open(encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                label = _BINARY_LABELS.get(row["label"].strip().lower())
                if label is not None:
                    texts.append(row["text"])
                    labels.append(label)
        sets[name] = Split(texts, np.array(labels, dtype=np.int64))
    return sets


def set_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = (scores >= threshold).astype(np.int64)
    return {
        "examples": len(labels),
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(labels, predicted)),
        "roc_auc": float(skm.roc_auc_score(labels, scores)),
        "ece": expected_calibration_error(labels, scores),
        "positive_rate": float(predicted.mean()),
    }


def evaluate(score: Scorer, sets: Mapping[str, Split], threshold: float = 0.5) -> dict[str, Any]:
    """Metrics of one scorer on every set, and the mean accuracy over the sets."""
    result: dict[str, Any] = {
        name: set_metrics(data.labels, score(data.texts), threshold) for name, data in sets.items()
    }
    result["mean_accuracy"] = float(np.mean([result[name]["accuracy"] for name in sets]))
    return result


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The figures a trial records: per set accuracy, balanced accuracy, ROC-AUC and ECE."""
    keys = ("accuracy", "balanced_accuracy", "roc_auc", "ece")
    compact: dict[str, Any] = {
        name: {key: round(result[name][key], 4) for key in keys} for name in OOD_FILES
    }
    compact["mean_accuracy"] = round(result["mean_accuracy"], 4)
    return compact


def classifier_scorer(classifier: Any, batch_size: int = 256) -> Scorer:
    """Positive probabilities through ``SentimentClassifier.predict`` (the serving path)."""

    def score(texts: Sequence[str]) -> np.ndarray:
        scores = np.empty(len(texts), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            scores[start : start + len(chunk)] = [p.score for p in classifier.predict(chunk)]
        return scores

    return score


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
    from training.baseline import fit_ngram_model, positive_scores
    from training.data import load_dataset

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
    import argparse
    import shlex

    from training import measured, out_of_domain_card
    from training.data import DEFAULT_DATA

    parser = argparse.ArgumentParser(
        prog="python -m training.out_of_domain",
        description="Score a bundle on the out-of-domain sets beside other bundles, the TF-IDF"
        " yardstick and VADER, in one run (validation only: nothing is fitted on these sets).",
    )
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument(
        "--compare", type=Path, action="append", default=[], help="another bundle (repeatable)"
    )
    parser.add_argument("--ood-dir", type=Path, default=DEFAULT_OOD_DIR)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="IMDB, for the yardstick")
    parser.add_argument(
        "--update-card", action="store_true", help="also write the table into the model card"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
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


if __name__ == "__main__":
    raise SystemExit(main())
