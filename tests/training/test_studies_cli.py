"""The studies are subcommands of ``python -m training``, and their old entry points still work."""

from __future__ import annotations

import json

import pytest

from tests.inference.conftest import SHIPPED_BUNDLE
from training.cli import main
from training.cli.studies import STUDIES
from training.studies.behaviour import main as behaviour_main


def test_help_lists_every_study(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    assert all(name in listed for name in STUDIES)


def test_a_study_runs_as_a_subcommand_like_its_own_entry_point(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["behaviour", "--bundle", str(SHIPPED_BUNDLE), "--json"]) == 0
    through_training = json.loads(capsys.readouterr().out)
    assert behaviour_main(["--bundle", str(SHIPPED_BUNDLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == through_training
    assert through_training["cases"] >= 236


def test_a_study_keeps_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["long-text", "--help"])
    assert exit_.value.code == 0 and "--update-card" in capsys.readouterr().out
