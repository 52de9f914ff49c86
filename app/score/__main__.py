"""``python -m app.score INPUT OUTPUT``: score a CSV, JSONL or Parquet file of reviews.

``-`` as INPUT reads standard input (spooled to a temporary file: Parquet needs to seek, and
``--input-format`` names the format), ``-`` as OUTPUT writes standard output once the whole
output is made (logs and the progress bar go to standard error). The output's format is
``--output-format``, else the one OUTPUT's name says, else the input's.

Writes the same rows, in input order, plus ``label``, ``score``, ``tokens``, ``truncated`` and
``chunks``, and for a model with more than two labels ``score_<label>`` for each label (empty
for rows that could not be scored, which are reported with their line or row; ``chunks`` only
with ``--long-text chunk``). The scores are the server's: the same bundle, and the same reading
of long texts as ``/predict``'s ``long_text`` (``SentimentClassifier.predict`` or
``ChunkedScorer``).

Exit status: 0 when OUTPUT is written (bad rows included, unless ``--strict``), 1 when the
input, the bundle or the job cannot be used, 2 for wrong arguments.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from app.core import defaults
from app.core.cpus import usable_cpus
from app.inference.bundle import MODEL_FILE, BundleError, read_manifest, verify_checksums
from app.inference.chunking import POOLING_RULES, Reading, served_policy
from app.paths import DEFAULT_BUNDLE
from app.score.formats import Format, InputError, Source
from app.score.job import BadRowError, Job, JobError, JobIdentity
from app.score.rows import ScoredChunk

log = logging.getLogger("app.score")

STREAM = "-"  # as INPUT: standard input; as OUTPUT: standard output


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m app.score",
        description="Score a file of reviews (CSV with a header, JSONL or Parquet; the format"
        " follows the file name) and write the same rows plus label, score, tokens, truncated"
        " and chunks (and score_<label> for each label of a model with more than two), in input"
        " order.",
    )
    parser.add_argument("input", type=Path, help="reviews: .csv, .jsonl or .parquet; - for stdin")
    parser.add_argument("output", type=Path, help="where to write; - for stdout")
    formats = [fmt.value for fmt in Format]
    parser.add_argument(
        "--input-format", choices=formats, help="default: from INPUT's name (needed for -)"
    )
    parser.add_argument(
        "--output-format",
        choices=formats,
        help="default: from OUTPUT's name, else (for -) the input's format",
    )
    parser.add_argument("--text-column", default="text", help="column (key) holding the review")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="model bundle folder")
    _add_scale_options(parser)
    _add_reading_options(parser)
    _add_run_options(parser)
    args = parser.parse_args(argv)
    if args.workers < 1 or args.chunk_rows < 1 or args.forward_batch_size < 1:
        parser.error("--workers, --chunk-rows and --forward-batch-size must be at least 1")
    if args.engine == "ray" and args.resume:
        parser.error("--resume works with the local engine only")
    if STREAM in (str(args.input), str(args.output)) and args.resume:
        parser.error("--resume needs files, not - (standard input or output)")
    if str(args.input) == STREAM and args.input_format is None:
        parser.error("reading standard input (-) needs --input-format")
    return args


def _add_scale_options(parser: argparse.ArgumentParser) -> None:
    """How many processes, rows at a time and rows per model run."""
    parser.add_argument(
        "--workers",
        type=int,
        default=usable_cpus(),
        help="scoring processes (Ray actors with --engine ray); default: one per usable CPU"
        " (affinity capped by the cgroup CPU quota)",
    )
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=2048,
        help="rows read, scored and written at a time (memory stays flat); --resume needs the"
        " same value",
    )
    parser.add_argument(
        "--forward-batch-size",
        type=int,
        default=defaults.FORWARD_BATCH_SIZE,
        help="rows per session.run, as the server's SENTIMENT_FORWARD_BATCH_SIZE",
    )


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
    """How long texts are read: as the service does by default."""
    parser.add_argument(
        "--long-text",
        choices=["truncate", "chunk"],
        default=defaults.LONG_TEXT,
        help="how a text longer than the model's window is read, as /predict's long_text:"
        " 'truncate' reads the window only, 'chunk' reads it whole in windows (and writes"
        " how many); default %(default)s, as the service",
    )
    for flag, kind, what in (
        ("--chunk-overlap", {"type": int}, "tokens neighbouring windows share"),
        ("--chunk-pooling", {"choices": POOLING_RULES}, "how window scores become one"),
    ):
        setting = flag.removeprefix("--").replace("-", "_").upper()
        parser.add_argument(
            flag,
            default=None,
            help=f"{what} with --long-text chunk, as the server's SENTIMENT_{setting} (default:"
            " the bundle's own choice, made on validation, as the server's)",
            **kind,
        )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Resuming, strictness, the engine and the progress bar."""
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run: rows already written are neither scored nor"
        " written again",
    )
    parser.add_argument(
        "--strict", action="store_true", help="stop at the first row that cannot be scored"
    )
    parser.add_argument("--engine", choices=["local", "ray"], default="local")
    parser.add_argument(
        "--ray-address", default=None, help="Ray cluster to join (default: RAY_ADDRESS or local)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def model_identity(bundle: Path, reading: Reading) -> str:
    """Checks the bundle's files and that its window holds the chunk overlap (fails fast,
    before any worker starts), and names the model."""
    manifest = read_manifest(bundle)
    verify_checksums(bundle, manifest)
    try:
        reading.policy.check(manifest.max_length)
    except ValueError as error:
        raise BundleError(f"--chunk-overlap: {error}") from None
    return f"{manifest.name} {manifest.version} {manifest.files[MODEL_FILE]}"


def reading_of(args: argparse.Namespace) -> Reading:
    """How texts are read: the options where given, else as the server reads this bundle's."""
    manifest = read_manifest(args.bundle)
    return Reading(args.long_text, served_policy(manifest, args.chunk_overlap, args.chunk_pooling))


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        source = Source.open(args.input, args.text_column, _format(args.input_format))
        output_format = _format(args.output_format) or Format.of(args.output)
        reading = reading_of(args)
        model = model_identity(args.bundle, reading)
        identity = JobIdentity.of(source, args.chunk_rows, model, reading)
        # Ray streams rows without their lines: its reports name rows (1-based).
        unit = "row" if args.engine == "ray" else source.format.unit
        labels = read_manifest(args.bundle).labels
        job = Job(source, args.output, identity, unit, labels, output_format)
        done = job.start(args.resume)
    except (InputError, BundleError, JobError) as error:
        log.error("%s", error)
        return 1
    total = None if source.rows is None else source.rows - job.summary.resumed_rows
    progress = progress_bar(total, args.no_progress)
    try:
        for scored in _scored_chunks(args, source, done):
            if args.strict and scored.problems():
                number, problem = scored.problems()[0]
                raise BadRowError(f"{args.input}: {job.unit} {number}: {problem}")
            job.write(scored)
            progress.update(len(scored.outcomes))
        progress.close()
        job.finish()
    except (InputError, BadRowError, JobError) as error:
        progress.close()
        log.error("%s", error)
        job.abandon()
        return 1
    except BrokenProcessPool:
        progress.close()
        log.error("a scoring process died; rerun with --resume to continue")
        return 1
    seconds = time.perf_counter() - started
    summary = job.summary
    log.info(
        "wrote %s: %d rows in %.1f s (%.0f reviews/s), %d kept from an interrupted run;"
        " %d rows could not be scored",
        args.output,
        summary.rows,
        seconds,
        summary.rows / seconds,
        summary.resumed_rows,
        summary.bad_rows,
    )
    return 0


def _scored_chunks(args: argparse.Namespace, source: Source, done: int) -> Iterator[ScoredChunk]:
    if args.engine == "ray":
        from app.score import ray_engine

        return ray_engine.score(
            source,
            args.bundle,
            args.workers,
            args.chunk_rows,
            args.forward_batch_size,
            reading_of(args),
            args.ray_address,
        )
    from app.score.local import LocalEngine

    engine = LocalEngine(args.bundle, args.workers, args.forward_batch_size, reading_of(args))
    return engine.score(source.chunks(args.chunk_rows, skip=done), source.text_column)


class _NoProgressBar:
    def update(self, rows: int) -> None:
        """Nothing to show."""

    def close(self) -> None:
        """Nothing to close."""


def progress_bar(total: int | None, off: bool) -> Any:
    """tqdm's bar with reviews/s on a terminal (``score`` extra), or none where tqdm is not
    installed (the serving image)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoProgressBar()
    return tqdm(total=total, unit="reviews", unit_scale=True, disable=off or None)


def _format(name: str | None) -> Format | None:
    return None if name is None else Format(name)


def run_with_streams(args: argparse.Namespace) -> int:
    """``run``, with ``-`` as INPUT spooled from stdin to a temporary file, and ``-`` as OUTPUT
    written to a temporary file that is copied to stdout when the run succeeds."""
    with tempfile.TemporaryDirectory(prefix="app-score-") as scratch:
        to_stdout = str(args.output) == STREAM
        if str(args.input) == STREAM:
            args.input = Path(scratch) / f"stdin.{args.input_format}"
            with args.input.open("wb") as spool:
                shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
        if to_stdout:
            try:
                fmt = args.output_format or args.input_format or Format.of(args.input).value
            except InputError as error:
                log.error("%s", error)
                return 1
            args.output, args.output_format = Path(scratch) / f"stdout.{fmt}", fmt
        status = run(args)
        if status == 0 and to_stdout:
            with args.output.open("rb") as made:
                shutil.copyfileobj(made, sys.stdout.buffer, 1 << 20)
            sys.stdout.buffer.flush()
        return status


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return run_with_streams(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
