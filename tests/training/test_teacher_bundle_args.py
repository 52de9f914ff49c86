"""What a train command makes of a preset's teacher bundle: kept where it is and where the
unlabelled reviews it scores are, left out (with a warning) where it is not, and never for other
data; the command line's own is always kept."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.conftest import SHIPPED_BUNDLE
from training.cli.commands import _parser
from training.cli.data_args import for_the_data
from training.fit.config import PRESETS, TrainConfig


def _args(data: Path, unlabeled: Path, *extra: str) -> argparse.Namespace:
    return _parser().parse_args(
        ["train", "--data", str(data), "--unlabeled-data", str(unlabeled), *extra]
    )


def _preset(teacher: Path) -> TrainConfig:
    return PRESETS["default"].replace(teacher_bundle=str(teacher))


@pytest.fixture
def unlabeled(tmp_path: Path) -> Path:
    path = tmp_path / "unsup.tar.gz"
    path.write_bytes(b"")
    return path


def test_a_preset_teacher_that_is_there_is_kept(tmp_path: Path, unlabeled: Path) -> None:
    config = for_the_data(_preset(SHIPPED_BUNDLE), _args(tmp_path / "a.tar.gz", unlabeled))
    assert config.teacher_bundle == str(SHIPPED_BUNDLE) and config.distillation_reviews


def test_a_missing_preset_teacher_is_left_out_with_a_warning(
    tmp_path: Path, unlabeled: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "reference" / "2.5.0"
    config = for_the_data(_preset(missing), _args(tmp_path / "a.tar.gz", unlabeled))
    assert config.teacher_bundle == "" and config.distillation_reviews == 25_000
    assert f"teacher bundle {missing} not found (make references" in caplog.text


def test_without_unlabelled_reviews_there_is_nothing_to_teach(tmp_path: Path) -> None:
    args = _args(tmp_path / "a.tar.gz", tmp_path / "absent.tar.gz")
    config = for_the_data(_preset(SHIPPED_BUNDLE), args)
    assert config.distillation_reviews == 0 and config.teacher_bundle == ""


def test_other_data_gets_no_teacher_bundle(tmp_path: Path, unlabeled: Path) -> None:
    config = for_the_data(_preset(SHIPPED_BUNDLE), _args(tmp_path / "mine.csv", unlabeled))
    assert config.teacher_bundle == "" and config.distillation_reviews == 0


def test_the_command_lines_teacher_is_kept_even_if_missing(tmp_path: Path, unlabeled: Path) -> None:
    missing = str(tmp_path / "nowhere")
    args = _args(tmp_path / "a.tar.gz", unlabeled, "--teacher-bundle", missing)
    config = for_the_data(_preset(SHIPPED_BUNDLE).replace(teacher_bundle=missing), args)
    assert config.teacher_bundle == missing  # the teacher stage then fails naming it
