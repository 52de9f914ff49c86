"""The options of ``python -m training``'s own commands (train, explore, export, evaluate), and
the studies listed beside them; the hyperparameter flags are generated from ``TrainConfig``, so a
new field is a new flag."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

from app.paths import DEFAULT_BUNDLE
from training.cli.data_args import DEFAULT_NAME, add_table_flags
from training.cli.studies import STUDIES
from training.fit.config import (
    CELLS,
    CLASS_WEIGHTS,
    POOLINGS,
    PRESETS,
    SCHEDULES,
    TEACHERS,
    TRUNCATIONS,
    TrainConfig,
)
from training.fit.data import DEFAULT_DATA, DEFAULT_OOD_DIR

Command = Callable[[argparse.Namespace], int]

_CHOICES = {
    "cell": CELLS,
    "truncation": TRUNCATIONS,
    "pooling": POOLINGS,
    "learning_rate_schedule": SCHEDULES,
    "teacher": TEACHERS,
    "class_weight": CLASS_WEIGHTS,
}

# What the options added for the shipped default do, and what each costs (2-core CPU figures
# from the default's model card).
_HELP = {
    "bigram_buckets": "hashed word-pair embeddings added to the word embeddings (0 = off); costs"
    " buckets x embedding-dim x 4 bytes in the bundle (50,000 x 64: 12.8 MB) and almost no"
    " serving time",
    "subwords": "learn each word's vector as its own row plus the mean of its character 3-5-grams'"
    " (fastText), so rare and misspelt words share what they have in common; folded into the"
    " word table when training ends, so the bundle and serving are unchanged; training about"
    " 1.5 times as long",
    "pooling": "classify from the last state, the mean, or the mean and max over all steps;"
    " mean_max doubles the classifier's inputs, nothing else",
    "distillation_reviews": "unlabelled reviews scored by an n-gram teacher (--teacher) and"
    " learnt from with its soft labels (0 = off); each 25,000 add about one labelled split's"
    " worth of time per epoch; needs --unlabeled-data",
    "teacher": "the n-gram model fitted on the training rows that labels the distillation reviews"
    " and picks the negation sentences' words: tfidf (the yardstick's TF-IDF 1-2 grams, about"
    " 40 s) or nb (naive-Bayes-scaled 1-3 grams, about 60 s; a point more accurate)",
    "negation_sentences": "short synthetic sentences that teach negation (training/fit/augment.py;"
    " 0 = off); seconds of training",
    "review_crops": "crops of 1-3 sentences of the training rows with their review's label"
    " (0 = off): short texts with labels; under a minute per epoch for 20,000",
    "review_crop_smoothing": "pull each crop's target toward 0.5 by this much (0 = the review's"
    " label); costs nothing",
    "everyday_sentences": "complaints, praise and plain statements outside films, written for"
    " training (training/fit/everyday/; 0 = off); seconds",
    "plain_statements": "statements of fact composed from templates, with the target 0.5"
    " (training/fit/everyday/facts.py; 0 = off); seconds",
    "weight_averaging": "validate, keep and export an exponential moving average of the"
    " weights with this momentum (0 = off; 0.999: about the last 1,000 steps; at most one"
    " epoch's steps); costs a few seconds",
    "quantize_embeddings": "store the embedding tables as int8 with a scale per row: a quarter"
    " of the bundle's size; a Cast and a Mul per token in serving",
    "length_calibration": "with --calibrate, let the shift depend on the text's log length,"
    " fitted on the validation reviews and crops of them, so that short texts are not displaced"
    " by what fits long ones (mean_max pooling); seconds",
    "calibrate": "fit a temperature and a shift of the logit on validation (Platt scaling) and"
    " choose the threshold there;"
    " seconds",
    "learning_rate_schedule": "cosine decays the learning rate to 0 over all epochs (tried for"
    " the default: 0.8 point lower validation accuracy); costs nothing",
    "class_weight": "balanced weighs each labelled row by rows / (labels x rows of its label),"
    " so rare labels count as much as common ones; costs nothing",
    "init_from": "a bundle folder (e.g. models/imdb-sentiment) whose embedding, word-pair table"
    " (if any) and recurrent layer start the model, fine-tuned with a new head; its vocabulary is"
    " kept and the training rows' words it lacks are added; the architecture is the bundle's",
    "ensemble": "train this many networks with seeds --seed, --seed + 1, ... and merge them into"
    " one network that many times as wide, whose output is their mean logit (1 = off); the"
    " export is still one fused LSTM; training takes that many times as long, serving about the"
    " square of it in the recurrent layer",
    "recurrent_pretraining_tokens": "pretrain the embedding and recurrent layer as a language"
    " model (next word forward, previous word backward) on this many tokens of unlabelled +"
    " training reviews before fitting (0 = off; training.fit.language_model); about a minute"
    " per million tokens for a BiLSTM of 64 units on 2 cores",
    "embedding_pretraining_epochs": "word2vec epochs on unlabelled + training reviews to start the"
    " embedding (0 = off); about 1 minute for 5 epochs on 72,500 reviews",
}


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "hyperparameters (override the preset; 'recipe:' shows the published recipe's value)"
    )
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(PRESETS["recipe"], field.name)
        about = f"{_HELP[field.name]}; " if field.name in _HELP else ""
        if field.type == "bool":
            group.add_argument(
                flag,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{about}recipe: {default}",
            )
        elif field.name in _CHOICES:
            group.add_argument(
                flag, choices=_CHOICES[field.name], default=None, help=f"{about}recipe: {default}"
            )
        elif isinstance(default, str):
            group.add_argument(flag, default=None, metavar="BUNDLE", help=f"{about}recipe: off")
        else:
            kind = float if isinstance(default, float) else int
            group.add_argument(flag, type=kind, default=None, help=f"{about}recipe: {default}")


# Path flags several commands share: their defaults and help.
_PATH_FLAGS: dict[str, tuple[Path | None, str]] = {
    "--data": (
        DEFAULT_DATA,
        "aclImdb folder or .tar.gz, or a table (.csv, .tsv, .jsonl, .parquet) with a text,"
        " a label and optionally a split column (default: %(default)s)",
    ),
    "--trials": (
        None,
        "trials log the model card lists (default: models/trials.jsonl for the IMDB data,"
        " runs/NAME/trials.jsonl for other data)",
    ),
}


def _add_path_flag(parser: argparse.ArgumentParser, flag: str) -> None:
    default, about = _PATH_FLAGS[flag]
    parser.add_argument(flag, type=Path, default=default, help=about)


def _add_bundle_flags(parser: argparse.ArgumentParser) -> None:
    _add_path_flag(parser, "--data")
    parser.add_argument(
        "--name",
        help=f"bundle name (default: {DEFAULT_NAME}[-PRESET] for IMDB, else the data file's name)",
    )
    parser.add_argument("--version", default="1.0.0", help="bundle version (default: %(default)s)")
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=Path("models"),
        help="where bundles go (default: %(default)s)",
    )
    _add_path_flag(parser, "--trials")


def _add_run_flags(parser: argparse.ArgumentParser) -> None:
    """What a command that trains needs beside the hyperparameters: the preset, the unlabelled
    reviews, the work folder and how much the run prints."""
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="default",
        help="hyperparameter preset (default: %(default)s)",
    )
    parser.add_argument(
        "--unlabeled-data",
        type=Path,
        default=None,
        help="unlabelled texts for embedding pretraining and distillation: aclImdb train/unsup"
        " folder or archive, or CSV/JSONL with a text column (default: the unlabelled IMDB"
        " reviews for the IMDB data, none for other data)",
    )
    parser.add_argument(
        "--runs-dir",
        type=Path,
        default=Path("runs"),
        help="work folder for the Keras model and history (default: %(default)s)",
    )
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const="quiet",
        default="normal",
        help="warnings and errors only: no Keras output, no progress lines",
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const="verbose",
        help="debug lines too, and TensorFlow's own start-up lines (by default Keras draws its"
        " progress bar on a terminal and prints one line per epoch anywhere else)",
    )


# command -> (one line for python -m training --help, the command's own description)
_ABOUT = {
    "train": (
        "train, export to ONNX, check, evaluate and write models/NAME",
        "Train on --data, then export, check parity, evaluate on the test split and write the"
        " bundle with its model card. Keras shows each epoch: a progress bar on a terminal, one"
        " line elsewhere.",
    ),
    "explore": (
        "train a configuration and measure it on validation and the out-of-domain sets",
        "Train like 'train', then score IMDB validation and the ood/ sets with the Keras model"
        " and append the trial (validation figures only) to --trials. Test is not scored and no"
        " bundle is written.",
    ),
    "export": (
        "export a finished run (runs/NAME) again as a bundle",
        "Re-export a run's Keras model: ONNX, parity checks, evaluation, model card.",
    ),
    "evaluate": (
        "score a bundle on a labelled dataset (no TensorFlow needed)",
        "Score a bundle with onnxruntime on a dataset's test (or train) split.",
    ),
}


def parser(handlers: Mapping[str, Command]) -> argparse.ArgumentParser:
    """The parser of every command; ``handlers`` run train, explore, export and evaluate (each
    sets ``command``), and a study's name is listed here but parses its own options."""
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description="Train the sentiment classifier on reviews and export it as a served bundle.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, add in (
        ("train", _add_train),
        ("explore", _add_explore),
        ("export", _add_export),
        ("evaluate", _add_evaluate),
    ):
        about, description = _ABOUT[name]
        command = commands.add_parser(name, help=about, description=description)
        add(command)
        command.set_defaults(command=handlers[name])
    for name, (_module, about) in STUDIES.items():
        commands.add_parser(name, help=f"{about} (options: python -m training {name} --help)")
    return parser


def _add_train(train: argparse.ArgumentParser) -> None:
    _add_run_flags(train)
    _add_bundle_flags(train)
    add_table_flags(train)
    _add_config_flags(train)


def _add_explore(explore: argparse.ArgumentParser) -> None:
    _add_run_flags(explore)
    explore.add_argument("--name", required=True, help="run name (runs/NAME)")
    explore.add_argument("--note", required=True, help="what the trial tries, for the card")
    explore.add_argument(
        "--technique", help="the technique this run leaves out of --against, for the ablation table"
    )
    explore.add_argument("--against", default="the shipped configuration")
    _add_path_flag(explore, "--data")
    explore.add_argument("--ood-dir", type=Path, default=DEFAULT_OOD_DIR)
    _add_path_flag(explore, "--trials")
    _add_config_flags(explore)


def _add_export(export: argparse.ArgumentParser) -> None:
    export.add_argument(
        "--run", type=Path, required=True, help="run folder, e.g. runs/imdb-sentiment"
    )
    export.add_argument("--preset", default=None, help="preset name to record in the manifest")
    export.add_argument(
        "--recalibrate",
        choices=("plain", "length"),
        help="first fit the run's calibration again as training does today (training/fit/"
        "recalibrate.py), with the length term or without; the run's files are rewritten",
    )
    _add_bundle_flags(export)
    add_table_flags(export)


def _add_evaluate(evaluate: argparse.ArgumentParser) -> None:
    evaluate.add_argument(
        "--bundle", type=Path, default=DEFAULT_BUNDLE, help="bundle folder (default: %(default)s)"
    )
    _add_path_flag(evaluate, "--data")
    add_table_flags(evaluate)
    evaluate.add_argument("--split", choices=("test", "train"), default="test")
    evaluate.add_argument("--threads", type=int, default=2, help="onnxruntime threads")
    evaluate.add_argument("--out", type=Path, help="also write metrics.json and plots here")
