"""The options of ``python -m training``'s own commands (train, explore, export, evaluate), and
the studies listed beside them; the hyperparameter flags are generated from ``TrainConfig``, so a
new field is a new flag."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

from app.paths import DEFAULT_BUNDLE
from training.cli.config_help import HYPERPARAMETER_HELP
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


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "hyperparameters (override the preset; 'recipe:' shows the published recipe's value)"
    )
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(PRESETS["recipe"], field.name)
        about = f"{HYPERPARAMETER_HELP[field.name]}; " if field.name in HYPERPARAMETER_HELP else ""
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
    explore.add_argument(
        "--against",
        default="the shipped configuration",
        help="what the run is compared with, in words, for the ablation table"
        " (default: %(default)s)",
    )
    explore.add_argument(
        "--against-trial",
        help="the trial (by name, in --trials) that --against is: its validation figures become"
        " the ablation row's 'with it' side (without it, the row shows '-')",
    )
    explore.add_argument(
        "--kept",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="whether the default keeps --technique, for the ablation table (default: kept)",
    )
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
