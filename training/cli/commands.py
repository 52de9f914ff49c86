"""``python -m training``: train, export and evaluate bundles from the command line."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.cli import data_args, options, verbosity
from training.cli.studies import STUDIES, study_main
from training.fit.config import PRESETS, TrainConfig

log = logging.getLogger("training")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if arguments and arguments[0] in STUDIES:  # a study parses its own options
        _configure_logging()
        return study_main(arguments[0])(arguments[1:])
    args = parser.parse_args(arguments)
    _configure_logging(verbosity.LOG_LEVELS[getattr(args, "verbosity", "normal")])
    try:
        return int(args.command(args))
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        # Data, bundle and export errors already name the culprit: one line, no traceback.
        log.error("%s", error)
        return 1


def _configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _train(args: argparse.Namespace) -> int:
    verbosity.import_tensorflow(args.verbosity)
    from training.fit.train import train
    from training.ship.bundle import export_bundle

    unlabeled = _existing_unlabeled(args)
    config = data_args.for_the_data(_config_from(args), args)
    name = data_args.run_name(args)
    log.info("training %s with %s", name, json.dumps(config.to_dict()))
    run = train(
        config,
        args.data,
        args.runs_dir / name,
        verbose=verbosity.keras_verbose(args.verbosity),
        unlabeled_path=unlabeled,
        data_options=data_args.data_options(args),
    )
    trials = data_args.trials_path(args, args.runs_dir / name)
    manifest = export_bundle(
        run, args.models_dir / name, name, args.version, preset=args.preset, trials_path=trials
    )
    _print_summary(manifest.metrics)
    return 0


def _existing_unlabeled(args: argparse.Namespace) -> Path | None:
    """The unlabelled reviews to read, if any; the default IMDB archive only where it is (a
    user's machine may not have it: then training goes on without it, as the log says)."""
    unlabeled = data_args.unlabeled_path(args)
    if unlabeled == data_args.DEFAULT_UNLABELED and not unlabeled.exists():
        log.warning(
            "%s not found: training without the unlabelled reviews (no distillation; word2vec,"
            " if on, learns from the training rows alone; --unlabeled-data FILE gives others)",
            unlabeled,
        )
        args.unlabeled_data = None
        return None
    return unlabeled


def _explore(args: argparse.Namespace) -> int:
    verbosity.import_tensorflow(args.verbosity)
    from training.studies.explore import ablation_row, explore

    unlabeled = _existing_unlabeled(args)
    config = data_args.for_the_data(_config_from(args), args)
    trials = data_args.trials_path(args, args.runs_dir / args.name)
    ablation = None
    if args.technique:  # checked before training: a misnamed --against-trial fails at once
        ablation = ablation_row(
            args.technique,
            args.against,
            kept=args.kept,
            trials=trials,
            against_trial=args.against_trial,
        )
    trial = explore(
        config,
        args.data,
        args.runs_dir / args.name,
        unlabeled=unlabeled,
        ood_dir=args.ood_dir,
        trials=trials,
        note=args.note,
        preset=args.preset,
        ablation=ablation,
        verbose=verbosity.keras_verbose(args.verbosity),
    )
    print(json.dumps(trial, indent=2))  # noqa: T201 - the command's output
    return 0


def _export(args: argparse.Namespace) -> int:
    verbosity.import_tensorflow("normal")
    from training.fit.recalibrate import recalibrate
    from training.fit.train import load_run
    from training.ship.bundle import export_bundle

    if args.recalibrate:
        recalibrate(args.run, args.data, length_calibration=args.recalibrate == "length")
    run = load_run(args.run, args.data)
    name = args.name or args.run.name
    trials = data_args.trials_path(args, args.run)
    manifest = export_bundle(
        run, args.models_dir / name, name, args.version, preset=args.preset, trials_path=trials
    )
    _print_summary(manifest.metrics)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from app.inference.pipeline import SentimentClassifier
    from training.fit.data import load_dataset
    from training.measure.classes import multiclass_metrics
    from training.measure.metrics import binary_metrics, plot_confusion, plot_roc, score_split

    classifier = SentimentClassifier.from_bundle(args.bundle, intra_op_threads=args.threads)
    manifest = classifier.manifest
    if args.labels is None and manifest.multiclass:  # the bundle's order, so indices agree
        args.labels = ",".join(manifest.labels)
    dataset = load_dataset(args.data, options=data_args.data_options(args))
    split = dataset.test if args.split == "test" else dataset.train
    log.info("scoring %d %s rows of %s", len(split), args.split, dataset.source)
    scores = score_split(
        classifier,
        split,
        progress=lambda done, total: (
            log.info("scored %d/%d", done, total) if done == total else None
        ),
    )
    if manifest.multiclass:
        result = multiclass_metrics(split.labels, scores, manifest.labels)
    else:
        result = binary_metrics(split.labels, scores, manifest.threshold)
    result["bundle"] = {"name": manifest.name, "version": manifest.version}
    result["dataset"] = {"source": dataset.source, "sha256": dataset.sha256, "split": args.split}
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        if not manifest.multiclass:
            plot_roc(split.labels, scores, args.out, result["roc_auc"])
            plot_confusion(result["confusion_matrix"], args.out)
        (args.out / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))  # noqa: T201 - the command's output
    return 0


def _print_summary(metrics: dict[str, Any]) -> None:
    test, baseline = metrics["test"], metrics["baseline_tfidf_logreg"]
    parity = metrics["export_parity"]
    auc = f" ROC-AUC {test['roc_auc']:.4f};" if "roc_auc" in test else ""
    print(  # noqa: T201 - the command's output
        f"test accuracy {test['accuracy']:.4f} (yardstick {baseline['accuracy']:.4f}),"
        f" macro-F1 {test['macro_f1']:.4f} (yardstick {baseline['macro_f1']:.4f});{auc}"
        f" trained {metrics['training']['train_seconds'] / 60:.1f} min;"
        f" Keras vs ONNX {parity['keras_onnx_max_abs_diff']:.1e},"
        f" alone vs batch {parity['alone_vs_batch_max_abs_diff']:.1e}"
    )


def _config_from(args: argparse.Namespace) -> TrainConfig:
    overrides = {
        field.name: getattr(args, field.name)
        for field in dataclasses.fields(TrainConfig)
        if getattr(args, field.name, None) is not None
    }
    if overrides.get("init_from"):
        # The bundle starts the embedding; word2vec would overwrite it, so it is off unless asked.
        overrides.setdefault("embedding_pretraining_epochs", 0)
    config = PRESETS[args.preset].replace(**overrides)
    if not config.init_from:
        return config
    # Imported here: it imports Keras, which the CLI imports quietly (training.cli.verbosity).
    from training.fit.transfer import SourceBundle, with_source_architecture

    source = SourceBundle.read(Path(config.init_from))
    return with_source_architecture(config, source, given=set(overrides))


def _parser() -> argparse.ArgumentParser:
    return options.parser(
        {"train": _train, "explore": _explore, "export": _export, "evaluate": _evaluate}
    )
