from training.fit.config import PUBLISHED_RECIPE
from training.ship.card_lines import ablation, pretraining, seeds, trial_row


def _config(**changes: object) -> dict[str, object]:
    return {"preset": "default", **PUBLISHED_RECIPE.to_dict(), **changes}


def test_trial_row_lists_changes_from_the_recipe_and_figures() -> None:
    trial = {
        "name": "candidate",
        "config": _config(max_length=500, bidirectional=True),
        "epochs_run": 5,
        "best_epoch": 3,
        "train_seconds": 300.0,
        "validation_accuracy": 0.9,
        "test_accuracy": 0.884,
        "note": "shipped",
    }
    row = trial_row(7, trial)
    assert row.startswith("| 7 | candidate | default |")
    assert "max_length=500" in row and "bidirectional=True" in row
    assert "| 5 (3) | 5.0 | 0.9000 | - | 0.8840 | shipped |" in row
    trial["out_of_domain"] = {
        "amazon_books": {"accuracy": 0.86},
        "amazon_dvd": {"accuracy": 0.87},
        "airline_tweets": {"accuracy": 0.84, "balanced_accuracy": 0.8},
        "mean_accuracy": 0.8567,
    }
    assert "| 0.860 / 0.870 / 0.840 (0.800); mean 0.857 |" in trial_row(7, trial)


def test_trial_row_shows_unrecorded_figures_as_dashes() -> None:
    trial = {
        "name": "cut-off",
        "config": _config(),
        "epochs_run": None,
        "best_epoch": None,
        "train_seconds": None,
        "validation_accuracy": None,
        "test_accuracy": 0.87,
    }
    assert "| - | - | - | - | 0.8700 |" in trial_row(1, trial)


def test_ablation_rows_put_with_and_without_the_technique_in_their_columns() -> None:
    added = {
        "validation_accuracy": 0.912,
        "ablation": {
            "technique": "cosine decay",
            "against": "constant rate",
            "baseline_validation_accuracy": 0.9196,
            "kept": False,
        },
    }
    left_out = {
        "validation_accuracy": 0.9108,
        "ablation": {
            "technique": "distillation",
            "against": "the default",
            "baseline_validation_accuracy": 0.9196,
            "kept": True,
            "left_out": True,
        },
    }
    lines = ablation([{"validation_accuracy": 0.9}, added, left_out])
    assert lines[-2] == (
        "| cosine decay | constant rate | 0.9120 | 0.9196 | -0.0076 | - | - | - | no |"
    )
    assert lines[-1] == (
        "| distillation | the default | 0.9196 | 0.9108 | +0.0088 | - | - | - | yes |"
    )
    left_out["out_of_domain"] = {"mean_accuracy": 0.80}
    left_out["ablation"]["baseline_out_of_domain_mean"] = 0.85  # type: ignore[index]
    assert ablation([left_out])[-1].endswith("| 0.8500 | 0.8000 | +0.0500 | yes |")
    assert ablation([{"validation_accuracy": 0.9}]) == []


def _run(seed: int, test_accuracy: float | None, **changes: object) -> dict[str, object]:
    return {"config": _config(seed=seed, **changes), "test_accuracy": test_accuracy}


def test_seeds_give_mean_and_sd_of_the_same_configuration_only() -> None:
    shipped = _config(seed=42, teacher="nb")
    trials = [
        _run(1, 0.9120, teacher="nb", vocab_size=19_998),  # the fitted vocabulary may differ
        _run(2, 0.9117, teacher="nb", preset=None),
        _run(42, 0.9133, teacher="nb"),
        _run(3, 0.9027, teacher="tfidf"),  # another configuration
        _run(4, None, teacher="nb"),  # validation only: no test figure
    ]
    line = seeds(shipped, trials)[2]
    assert "with 3 seeds" in line and "**91.23% ± 0.09%**" in line  # sd with ddof=1
    assert "seed 1: 91.20%, seed 2: 91.17%, seed 42: 91.33%" in line
    assert line.endswith("This bundle is seed 42.")


def test_a_setting_added_after_a_trial_counts_as_its_default() -> None:
    old = _run(1, 0.90)
    old["config"] = {k: v for k, v in old["config"].items() if k != "teacher"}  # type: ignore[union-attr]
    assert seeds(_config(seed=2), [old, _run(2, 0.91)])  # both the default teacher
    assert not seeds(_config(seed=2, teacher="nb"), [old, _run(2, 0.91, teacher="nb")])


def test_one_run_is_no_spread() -> None:
    assert seeds(_config(seed=42), [_run(42, 0.91)]) == []


def test_language_model_line_reads_old_and_new_run_records() -> None:
    """Runs before the record named its directions called the pass's mean loss final_loss: a
    re-export of such a run must still write its card."""
    new = {"directions": ["forward", "backward"], "mean_loss": 5.7}
    old = {"final_loss": 5.8}
    for record, loss, backward in ((new, "5.700", True), (old, "5.800", False)):
        model = {"source": "unsup", "predicted_words": 4000, "tokens": 10, "window": 64}
        (line,) = pretraining({"language_model": {**model, **record}})
        assert f"mean loss {loss} nats" in line
        assert ("and backward the word before" in line) is backward
