"""Lines of the model card that read one part of the manifest, the metrics or the trials log
(limits, data, distillation, stages, seeds, calibration, trials and the ablation table);
``training.ship.model_card`` puts them in order."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.inference.bundle import Manifest
from training.fit.config import PUBLISHED_RECIPE, TrainConfig
from training.measure import out_of_domain_card

_FIELD_DEFAULTS = TrainConfig().to_dict()
_RECIPE = PUBLISHED_RECIPE.to_dict()


def machine(manifest: Manifest) -> str:
    libraries = manifest.libraries
    return (
        f"CPU (TensorFlow {libraries.get('tensorflow-cpu', '?')},"
        f" Keras {libraries.get('keras', '?')}, Python {libraries.get('python', '?')})"
    )


def truncation_limit(manifest: Manifest) -> list[str]:
    if manifest.truncation == "first":
        return [
            f"- Only the first {manifest.max_length} tokens (words and punctuation) are read; text"
            " past that is ignored, so a verdict given only at the end of a longer review is"
            ' missed, unless the request asks for long_text "chunk" (or the service sets'
            " SENTIMENT_LONG_TEXT=chunk): then it is read in windows, pooled. Responses say how"
            " many tokens were used and whether the text was truncated."
        ]
    return [
        f"- Only the last {manifest.max_length} tokens (words and punctuation) are read; the"
        " beginning of a longer review is ignored. Responses say how many tokens were used and"
        " whether the text was truncated."
    ]


def score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def pretraining(data: dict[str, Any]) -> list[str]:
    return [*_word2vec(data.get("unlabeled_for_embeddings")), *_language_model(data)]


def _word2vec(unlabeled: dict[str, Any] | None) -> list[str]:
    if not unlabeled:
        return []
    if not unlabeled.get("source"):
        return ["- The embedding started from word2vec vectors learnt on the training rows alone."]
    return [
        f"- The embedding started from word2vec vectors learnt on {unlabeled['reviews']:,}"
        f" unlabelled reviews (`{unlabeled['source']}`) plus the training rows; never on test text."
    ]


def _language_model(data: dict[str, Any]) -> list[str]:
    model = data.get("language_model")
    if not model:
        return []
    text = f"unlabelled reviews (`{model['source']}`) and " if model.get("source") else ""
    # Runs before 161df56 recorded no directions and called the pass's mean loss final_loss.
    directions = model.get("directions")
    backward = ", and backward the word before" if "backward" in (directions or []) else ""
    if directions is None:
        backward = " (and backward, for a bidirectional layer)"
    loss = model.get("mean_loss", model.get("final_loss"))
    return [
        f"- Before fitting, the embedding and recurrent layer learnt as a language model to"
        f" predict the next word{backward} (among the {model['predicted_words']:,} most"
        f" frequent) on {model['tokens']:,} tokens of {text}the training rows, in windows of"
        f" {model['window']}; mean loss {loss:.3f} nats over the pass. Never on test text."
    ]


def embedding(config: dict[str, Any]) -> str:
    """The input layers as the card says them: subwords and word pairs, if used."""
    subwords = (
        " (each word's row plus its character 3-5-grams', folded into one table)"
        if config.get("subwords")
        else ""
    )
    pairs = " + hashed word-pair embedding" if config.get("bigram_buckets") else ""
    return f"word embedding{subwords}{pairs}"


def units(config: dict[str, Any]) -> str:
    """The recurrent layer's width as the card says it: an ensemble's members are named."""
    members = int(config.get("ensemble", 1))
    if members == 1:
        return f"{config['units']} units"
    return (
        f"{members} x {config['units']} units: {members} networks trained with different seeds,"
        " merged into one whose output is their mean logit"
    )


def trial_row(number: int, trial: dict[str, Any]) -> str:
    """One row of the trials table; figures a trial did not record show as '-'."""
    changes = ", ".join(
        f"{key}={value}"
        for key, value in trial["config"].items()
        if key in _RECIPE and value != _RECIPE[key]
    )
    epochs = "-" if trial.get("epochs_run") is None else str(trial["epochs_run"])
    if trial.get("best_epoch") is not None:
        epochs += f" ({trial['best_epoch']})"
    seconds = trial.get("train_seconds")
    minutes = "-" if seconds is None else f"{seconds / 60:.1f}"
    return (
        f"| {number} | {trial['name']} | {trial['config'].get('preset')} | {changes or '-'} |"
        f" {epochs} | {minutes} | {score(trial.get('validation_accuracy'))} |"
        f" {out_of_domain_card.trial_cell(trial)} |"
        f" {score(trial.get('test_accuracy'))} | {trial.get('note', '')} |"
    )


def domain_limit(metrics: dict[str, Any]) -> list[str]:
    if not metrics.get("out_of_domain"):
        return [
            "- English movie reviews of the kind found on IMDB. Other domains (products, tweets),"
            " other languages, sarcasm and mixed opinions will be scored less reliably."
        ]
    return [
        "- English opinions: trained on IMDB movie reviews, with short crops of them and"
        " everyday sentences about products, service and travel; measured on book and DVD"
        ' reviews and airline tweets below ("Out-of-domain text"). Other languages, sarcasm'
        " and mixed opinions will be scored less reliably."
    ]


def calibration_limit(metrics: dict[str, Any]) -> list[str]:
    calibration = metrics.get("calibration") or {}
    if calibration.get("temperature") is None:
        return [
            "- Scores are not calibrated probabilities beyond what the sigmoid output gives; the"
            " training data has equal classes, so on skewed real traffic adjust the threshold."
        ]
    return [
        "- Scores are calibrated probabilities of positive for reviews like the test split"
        f" (expected calibration error {calibration['test_ece']:.3f}); the classes were balanced"
        " in training, so on skewed real traffic move the threshold, not the score."
    ]


def distillation(metrics: dict[str, Any]) -> list[str]:
    distillation = metrics.get("distillation")
    if not distillation:
        return []
    lines = []
    if distillation["reviews"]:
        accuracy = f"validation accuracy {distillation['teacher_validation_accuracy']:.2%}"
        if "teachers_validation_accuracy" in distillation:
            accuracy += (
                f"; the bundle's {distillation['bundle_validation_accuracy']:.2%}, the mean's"
                f" {distillation['teachers_validation_accuracy']:.2%}"
            )
        lines.append(
            f"- Distillation: {distillation['reviews']:,} unlabelled reviews were labelled with"
            f" the soft scores of a teacher ({distillation['teacher']}; {accuracy}) and learnt"
            " from beside the labelled rows. The teacher is not part of the bundle."
        )
    negation = distillation.get("negation_sentences")
    if negation and negation["count"]:
        lines.append(
            f"- Negation: {negation['count']:,} short synthetic sentences"
            " (`training/fit/augment.py`) assert and negate the teacher's most polar predicate"
            " words"
            f" (positive: {', '.join(negation['positive_words'][:8])}, ...; negative:"
            f" {', '.join(negation['negative_words'][:8])}, ...), labelled as negation implies;"
            " none is a case of the behavioural suite."
        )
    return lines


def stages(metrics: dict[str, Any]) -> list[str]:
    stages = metrics.get("stages_seconds")
    if not stages:
        return []
    lines = ["Wall time of each stage of the run:", "", "| stage | minutes |", "|---|---|"]
    lines += [f"| {name} | {seconds / 60:.1f} |" for name, seconds in stages.items()]
    lines += [f"| **all stages** | **{sum(stages.values()) / 60:.1f}** |", ""]
    return lines


def _recipe(config: dict[str, Any]) -> dict[str, Any]:
    """A run's settings, seed aside; a setting added after the run was recorded counts as its
    default, which is what the code did before the setting existed."""
    ignored = {"seed", "preset", "vocab_size"}
    return {k: v for k, v in {**_FIELD_DEFAULTS, **config}.items() if k not in ignored}


def _same_recipe(trial: dict[str, Any], config: dict[str, Any]) -> bool:
    return _recipe(trial["config"]) == _recipe(config) and trial.get("test_accuracy") is not None


def seeds(config: dict[str, Any], trials: list[dict[str, Any]]) -> list[str]:
    """Test accuracy of every pipeline run of this very configuration, one per seed."""
    by_seed: dict[int, dict[str, Any]] = {}
    for trial in trials:
        if _same_recipe(trial, config):
            by_seed[trial["config"]["seed"]] = trial
    if len(by_seed) < 2:
        return []
    runs = {seed: trial["test_accuracy"] for seed, trial in by_seed.items()}
    values = np.array(list(runs.values()))
    seeds = ", ".join(f"seed {seed}: {accuracy:.2%}" for seed, accuracy in sorted(runs.items()))
    return [
        "## Seeds",
        "",
        f"The same configuration trained with {len(runs)} seeds: test accuracy"
        f" **{values.mean():.2%} ± {values.std(ddof=1):.2%}** (mean ± standard deviation;"
        f" {seeds}). This bundle is seed {config['seed']}.",
        *out_of_domain_card.seed_lines(list(by_seed.values())),
        "",
    ]


def ablation(trials: list[dict[str, Any]]) -> list[str]:
    """Exploration runs that isolate one technique, on validation only: a run that adds it to
    the run it names, or (``left_out``) the shipped configuration trained without it."""
    rows = [trial for trial in trials if trial.get("ablation")]
    if not rows:
        return []
    lines = [
        "",
        "## Ablation (validation only)",
        "",
        "Each row changes one thing against the run it names, same seed; test was not scored."
        " Validation accuracy at the epoch kept (lowest validation loss), and the mean accuracy"
        " over the three out-of-domain sets where the run measured it.",
        "",
        "| technique | compared with | IMDB validation with it | without it | effect |"
        " out-of-domain mean with it | without it | effect | kept |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for trial in rows:
        ablation = trial["ablation"]
        imdb = _with_and_without(
            ablation, trial["validation_accuracy"], ablation.get("baseline_validation_accuracy")
        )
        ood = _with_and_without(
            ablation,
            (trial.get("out_of_domain") or {}).get("mean_accuracy"),
            ablation.get("baseline_out_of_domain_mean"),
        )
        lines.append(
            f"| {ablation['technique']} | {ablation['against']} | {imdb} | {ood} |"
            f" {_KEPT[ablation.get('kept')]} |"
        )
    return lines


_KEPT = {True: "yes", False: "no", None: "-"}  # None: a row logged without saying


def _with_and_without(ablation: dict[str, Any], tried: float | None, other: float | None) -> str:
    """'with | without | effect' cells; '-' where a figure was not measured."""
    if tried is None or other is None:
        return "- | - | -"
    with_it, without = (other, tried) if ablation.get("left_out") else (tried, other)
    return f"{with_it:.4f} | {without:.4f} | {with_it - without:+.4f}"
