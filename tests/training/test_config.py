"""Presets and the validation of hyperparameters."""

from __future__ import annotations

import pytest

from training.cli.commands import _config_from, _parser
from training.fit.config import PRESETS, PUBLISHED_RECIPE, TrainConfig


def test_published_recipe_is_the_tutorials_hyperparameters() -> None:
    recipe = PUBLISHED_RECIPE
    assert (recipe.vocab_size, recipe.max_length, recipe.embedding_dim, recipe.units) == (
        10_000,
        200,
        128,
        64,
    )
    assert (recipe.cell, recipe.dropout, recipe.batch_size, recipe.epochs) == ("lstm", 0.2, 32, 5)
    assert recipe.validation_fraction == 0.1 and recipe.learning_rate == 1e-3
    assert recipe.truncation == "last"  # keras.utils.pad_sequences keeps the last maxlen tokens


def test_recipe_preset_differs_from_the_published_recipe_only_in_keeping_the_best_epoch() -> None:
    assert PRESETS["recipe"] == PUBLISHED_RECIPE.replace(restore_best_epoch=True)


def test_default_keeps_the_first_tokens() -> None:
    assert PRESETS["default"].truncation == "first"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cell": "transformer"}, "cell must be one of"),
        ({"truncation": "middle"}, "truncation must be one of"),
        ({"units": 0}, "units must be positive"),
        ({"dropout": 1.0}, "dropout must be in"),
        ({"word_dropout": -0.1}, "word_dropout must be in"),
        ({"validation_fraction": 0.0}, "validation_fraction"),
        ({"clipnorm": -1.0}, "clipnorm"),
        ({"learning_rate_schedule": "step"}, "learning_rate_schedule must be one of"),
        ({"teacher": "bert"}, "teacher must be one of"),
        ({"class_weight": "inverse"}, "class_weight must be one of"),
    ],
)
def test_unsafe_values_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(**change)  # type: ignore[arg-type]


def test_cli_flags_override_the_preset() -> None:
    args = _parser().parse_args(
        ["train", "--preset", "recipe", "--cell", "gru", "--bidirectional", "--max-length", "64"]
    )
    config = _config_from(args)
    assert config == PRESETS["recipe"].replace(cell="gru", bidirectional=True, max_length=64)


def test_learning_rate_schedule_flag() -> None:
    args = _parser().parse_args(["train", "--learning-rate-schedule", "cosine"])
    assert _config_from(args).learning_rate_schedule == "cosine"


def test_teacher_flag() -> None:
    args = _parser().parse_args(["train", "--preset", "recipe", "--teacher", "nb"])
    assert _config_from(args) == PRESETS["recipe"].replace(teacher="nb")


def test_class_weight_flag() -> None:
    args = _parser().parse_args(["train", "--class-weight", "balanced"])
    assert _config_from(args) == PRESETS["default"].replace(class_weight="balanced")
