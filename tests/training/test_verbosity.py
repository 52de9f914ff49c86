"""How much python -m training train prints: --quiet / --verbose, one line per epoch off a
terminal, and TensorFlow's start-up lines kept out."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from training.cli.commands import _parser
from training.cli.verbosity import keras_verbose, without_noise


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_keras_draws_a_bar_on_a_terminal_and_one_line_per_epoch_elsewhere() -> None:
    assert keras_verbose("normal", _Terminal()) == 1
    assert keras_verbose("normal", io.StringIO()) == 2  # a file or a pipe
    assert keras_verbose("verbose", io.StringIO()) == 2
    assert keras_verbose("quiet", _Terminal()) == 0


@pytest.mark.parametrize("command", ["train", "explore --name n --note x"])
def test_quiet_and_verbose_are_flags_of_the_commands_that_train(command: str) -> None:
    words = command.split()
    assert _parser().parse_args(words).verbosity == "normal"
    assert _parser().parse_args([*words, "--quiet"]).verbosity == "quiet"
    assert _parser().parse_args([*words, "-v"]).verbosity == "verbose"
    with pytest.raises(SystemExit):
        _parser().parse_args([*words, "--quiet", "--verbose"])


def test_only_the_start_up_notices_are_dropped() -> None:
    written = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1.0   11 port.cc:153] oneDNN custom operations are on. You may see ...\n"
        "I0000 00:00:1.0   11 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\n"
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild ...\n"
        "E0000 something real went wrong\n"
    )
    assert without_noise(written) == ["E0000 something real went wrong"]


def test_tensorflow_starts_without_its_notices() -> None:
    quiet = subprocess.run(
        [
            sys.executable,
            "-c",
            "from training.cli import verbosity; verbosity.import_tensorflow('normal')",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "oneDNN" not in quiet.stderr and "absl::InitializeLog" not in quiet.stderr
