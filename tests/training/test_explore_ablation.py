"""The ablation record ``python -m training explore --technique ... --against-trial NAME`` logs:
the named trial's validation figures become the row's other side, so the card can compare."""

import json
from pathlib import Path

import pytest

from training.ship.card_lines import ablation
from training.studies.explore import ablation_row


def _log(path: Path, *trials: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(trial) + "\n" for trial in trials), encoding="utf-8")
    return path


def test_the_named_trial_gives_the_baseline_and_the_latest_of_that_name_wins(
    tmp_path: Path,
) -> None:
    trials = _log(
        tmp_path / "trials.jsonl",
        {"name": "default", "validation_accuracy": 0.90, "out_of_domain": {"mean_accuracy": 0.8}},
        {"name": "other", "validation_accuracy": 0.70},
        {"name": "default", "validation_accuracy": 0.92, "out_of_domain": {"mean_accuracy": 0.86}},
    )
    row = ablation_row(
        "the teacher", "the default", kept=True, trials=trials, against_trial="default"
    )
    assert row == {
        "technique": "the teacher",
        "against": "the default",
        "left_out": True,
        "kept": True,
        "baseline_validation_accuracy": 0.92,
        "baseline_out_of_domain_mean": 0.86,
    }
    run = {"validation_accuracy": 0.91, "out_of_domain": {"mean_accuracy": 0.85}, "ablation": row}
    assert ablation([run])[-1] == (
        "| the teacher | the default | 0.9200 | 0.9100 | +0.0100"
        " | 0.8600 | 0.8500 | +0.0100 | yes |"
    )


def test_a_baseline_without_out_of_domain_figures_leaves_that_side_unmeasured(
    tmp_path: Path,
) -> None:
    trials = _log(tmp_path / "trials.jsonl", {"name": "old", "validation_accuracy": 0.9})
    row = ablation_row("pairs", "old", kept=False, trials=trials, against_trial="old")
    assert "baseline_out_of_domain_mean" not in row
    run = {"validation_accuracy": 0.89, "out_of_domain": {"mean_accuracy": 0.85}, "ablation": row}
    assert ablation([run])[-1].endswith("| - | - | - | no |")


def test_a_misnamed_trial_is_refused_before_anything_trains(tmp_path: Path) -> None:
    trials = _log(tmp_path / "trials.jsonl", {"name": "default", "validation_accuracy": 0.9})
    with pytest.raises(ValueError, match="'defualt': no trial of that name"):
        ablation_row("x", "y", kept=True, trials=trials, against_trial="defualt")
    with pytest.raises(ValueError, match="no trial of that name"):
        ablation_row("x", "y", kept=True, trials=tmp_path / "none.jsonl", against_trial="a")


def test_a_row_logged_without_baseline_or_verdict_still_renders(tmp_path: Path) -> None:
    row = ablation_row("x", "y", kept=True, trials=tmp_path / "none.jsonl", against_trial=None)
    assert row == {"technique": "x", "against": "y", "left_out": True, "kept": True}
    del row["kept"]  # as explore wrote it before --kept existed
    line = ablation([{"validation_accuracy": 0.9, "ablation": row}])[-1]
    assert line == "| x | y | - | - | - | - | - | - | - |"


@pytest.mark.slow
def test_explore_logs_its_preset_and_the_ablation_row_it_was_asked_for(tmp_path: Path) -> None:
    from tests.conftest import write_aclimdb_tree, write_archive
    from training.cli import main

    archive = write_archive(write_aclimdb_tree(tmp_path, per_class=60), tmp_path / "imdb.tar.gz")
    trials = _log(
        tmp_path / "trials.jsonl",
        {"name": "base", "validation_accuracy": 0.75, "out_of_domain": {"mean_accuracy": 0.7}},
    )
    tiny = "--epochs 1 --vocab-size 300 --max-length 40 --embedding-dim 8 --units 4 --quiet"
    code = main(
        [
            "explore",
            *("--data", str(archive), "--preset", "recipe", "--name", "no-dropout"),
            *("--note", "dropout left out", "--technique", "dropout", "--against", "base run"),
            *("--against-trial", "base", "--no-kept", "--trials", str(trials)),
            *("--runs-dir", str(tmp_path / "runs"), "--ood-dir", str(tmp_path / "no-ood")),
            *("--dropout", "0", *tiny.split()),
        ]
    )
    assert code == 0
    trial = [json.loads(line) for line in trials.read_text().splitlines()][-1]
    assert trial["name"] == "no-dropout"
    assert trial["config"]["preset"] == "recipe"
    assert trial["config"]["dropout"] == 0
    assert trial["ablation"] == {
        "technique": "dropout",
        "against": "base run",
        "left_out": True,
        "kept": False,
        "baseline_validation_accuracy": 0.75,
        "baseline_out_of_domain_mean": 0.7,
    }
    assert "out_of_domain" not in trial  # no ood/ folder: nothing scored, nothing invented
    row = ablation([trial])[-1]
    assert row.startswith(f"| dropout | base run | 0.7500 | {trial['validation_accuracy']:.4f} |")
    assert row.endswith("| - | - | - | no |")
