"""How much a training command prints, chosen once by ``--quiet`` / ``--verbose``.

Keras' progress bar redraws itself on a terminal, but written to a file or a pipe (``make train >
log``) it is about 700 lines an epoch; there a run prints one line per epoch (Keras ``verbose=2``).
TensorFlow's start-up lines (oneDNN, CPU features, absl's notice) say nothing about the run: they
are kept out unless ``--verbose``.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import tempfile
from typing import Literal, TextIO

Verbosity = Literal["quiet", "normal", "verbose"]

LOG_LEVELS: dict[Verbosity, int] = {
    "quiet": logging.WARNING,
    "normal": logging.INFO,
    "verbose": logging.DEBUG,
}
# What TensorFlow and absl write to stderr while TensorFlow is imported, said on every start.
_START_UP_NOISE = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
)


def keras_verbose(verbosity: Verbosity, stream: TextIO | None = None) -> int:
    """Keras' ``verbose``: nothing when quiet, the progress bar on a terminal, and one line per
    epoch anywhere else."""
    if verbosity == "quiet":
        return 0
    return 1 if (stream or sys.stdout).isatty() else 2


def import_tensorflow(verbosity: Verbosity) -> None:
    """Import TensorFlow now (the training modules import it later for free), with its C++
    logging at warnings and above (``TF_CPP_MIN_LOG_LEVEL``, read when it loads) and its
    start-up lines dropped, unless ``verbose``; anything else it writes still reaches stderr."""
    if verbosity == "verbose" or "tensorflow" in sys.modules:
        importlib.import_module("tensorflow")
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        sys.stderr.flush()
        os.dup2(captured.fileno(), 2)
        try:
            importlib.import_module("tensorflow")
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        written = captured.read().decode("utf-8", errors="replace")
    sys.stderr.write("".join(f"{line}\n" for line in without_noise(written)))
    from absl import logging as absl_logging  # TensorFlow's Python warnings go through absl

    absl_logging.set_verbosity(absl_logging.ERROR)


def without_noise(written: str) -> list[str]:
    """The lines of ``written`` that are not TensorFlow's start-up notices."""
    return [
        line
        for line in written.splitlines()
        if line.strip() and not any(noise in line for noise in _START_UP_NOISE)
    ]
