"""What a training command makes of its data: how to read a table (``--text-column``,
``--label-column``, ``--labels``, ``--validation``, ``--test``), and what follows from whether the
data is the IMDB default or someone else's.

The IMDB-only parts of a preset (the English negation sentences, the unlabelled IMDB reviews
for word2vec and the teacher's distillation, the review crops and everyday sentences, and the
subword vectors and int8 tables chosen on IMDB alone) apply to the aclImdb data, or when the
command line asks for them; for other data they are switched off and the log says so. A run on
other data is named after its file and keeps its trials beside its run
(``runs/NAME/trials.jsonl``), so ``models/imdb-sentiment`` and ``models/trials.jsonl`` change
only when IMDB is trained.
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path
from typing import Any

from app.inference.bundle import MANIFEST_FILE
from training.fit.config import TrainConfig
from training.fit.data import IMDB_TRIALS, DataOptions
from training.fit.formats import Columns
from training.fit.labels import parse_fixed

log = logging.getLogger("training")

DEFAULT_UNLABELED = Path("../shared/data/aclImdb_v1_unsup.tar.gz")
DEFAULT_NAME = "imdb-sentiment"
RUN_TRIALS_FILE = "trials.jsonl"
# Preset settings that only make sense on the IMDB reviews, or were chosen on them alone (subword
# vectors and int8 tables, added to the default in 2.3.0; weight averaging, 2.4.0; word dropout,
# 2.5.0); other data gets them when asked. On the airline tweets (5-fold cross-validation of the
# train rows, README) weight averaging and word dropout each cost accuracy.
IMDB_ONLY = (
    "negation_sentences",
    "distillation_reviews",
    "teacher_bundle",
    "review_crops",
    "review_crop_teacher",
    "everyday_sentences",
    "plain_statements",
    "length_calibration",
    "subwords",
    "quantize_embeddings",
    "weight_averaging",
    "word_dropout",
)
_OFF = TrainConfig()  # the recipe, where each of them is off
_NAME_CHARACTERS = re.compile(r"[^a-z0-9._-]+")


def add_table_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("a table's columns, labels and splits")
    group.add_argument("--text-column", default="text", help="(default: %(default)s)")
    group.add_argument("--label-column", default="label", help="(default: %(default)s)")
    group.add_argument(
        "--labels",
        help="the labels in the model's order, comma-separated (default: 0/1, neg/pos or"
        " negative/positive as negative,positive; integers in numeric order; other names sorted)",
    )
    group.add_argument("--validation", type=Path, help="a table of validation rows")
    group.add_argument("--test", type=Path, help="a table of test rows")


def data_options(args: argparse.Namespace) -> DataOptions:
    return DataOptions(
        Columns(args.text_column, args.label_column),
        parse_fixed(args.labels),
        args.validation,
        args.test,
    )


def is_imdb(data: Path) -> bool:
    """The aclImdb layout: a folder or a tar archive (tables are anyone's data)."""
    return data.is_dir() or data.name.lower().endswith((".tar.gz", ".tgz", ".tar"))


def run_name(args: argparse.Namespace) -> str:
    """--name, else imdb-sentiment[-PRESET] for IMDB, else the data file's name."""
    if args.name:
        return str(args.name)
    if is_imdb(args.data):
        return DEFAULT_NAME if args.preset == "default" else f"{DEFAULT_NAME}-{args.preset}"
    stem = args.data.name.split(".")[0].lower()
    return _NAME_CHARACTERS.sub("-", stem).strip("-.") or "model"


def trials_path(args: argparse.Namespace, run_dir: Path) -> Path:
    """--trials, else the IMDB log for IMDB data and the run's own log for anything else."""
    if args.trials is not None:
        return Path(args.trials)
    return IMDB_TRIALS if is_imdb(args.data) else run_dir / RUN_TRIALS_FILE


def unlabeled_path(args: argparse.Namespace) -> Path | None:
    """--unlabeled-data, else the unlabelled IMDB reviews for IMDB data, else none."""
    if args.unlabeled_data is not None:
        return Path(args.unlabeled_data)
    return DEFAULT_UNLABELED if is_imdb(args.data) else None


def for_the_data(config: TrainConfig, args: argparse.Namespace) -> TrainConfig:
    """The preset without its IMDB-only parts for other data, unless the command line set them;
    without unlabelled reviews (none given, or the default archive absent), no distillation,
    and word2vec learns from the training rows alone; without the preset's teacher bundle
    (``make references`` not run), the n-gram teacher alone."""
    changes: dict[str, Any] = {}
    if not is_imdb(args.data):
        changes = {
            name: getattr(_OFF, name)
            for name in IMDB_ONLY
            if getattr(config, name) and getattr(args, name, None) is None
        }
    unlabeled = unlabeled_path(args)
    missing = unlabeled is None or not unlabeled.exists()
    if config.distillation_reviews and missing and args.distillation_reviews is None:
        changes["distillation_reviews"] = 0
    if changes.get("distillation_reviews") == 0 and args.teacher_bundle is None:
        changes["teacher_bundle"] = ""  # it labels the distillation reviews only
    if changes:
        log.warning(
            "%s is not the IMDB data (or lacks unlabelled reviews): left out %s;"
            " set them on the command line to use them",
            args.data,
            ", ".join(f"{name} ({getattr(config, name)})" for name in changes),
        )
    return _without_a_missing_teacher(config.replace(**changes), args)


def _without_a_missing_teacher(config: TrainConfig, args: argparse.Namespace) -> TrainConfig:
    """The preset's teacher bundle is left out where it is not (a fresh clone before ``make
    references``); one given on the command line is kept, and a missing one is an error."""
    teacher = config.teacher_bundle
    if not teacher or args.teacher_bundle is not None or (Path(teacher) / MANIFEST_FILE).is_file():
        return config
    log.warning(
        "teacher bundle %s not found (make references unpacks it from git history): the n-gram"
        " teacher labels the unlabelled reviews alone",
        teacher,
    )
    return config.replace(teacher_bundle="")
