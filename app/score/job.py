"""A scoring job on disk: parts, ``--resume``, bad-row reports, and the rename at the end.

Each scored chunk is written as ``OUTPUT.parts/part-NNNNNNNN.<ext>`` (to a temporary name,
then renamed, so a part exists whole or not at all), with the bad rows it held beside it.
``job.json`` records what the parts were made from; ``--resume`` continues after the last
whole part only if the input, chunk size, model and reading of long texts are the same. At
the end the parts are joined into a temporary file beside OUTPUT, which is renamed over
OUTPUT: a reader never sees a half-written output, and an interrupted run leaves OUTPUT as it
was.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from app.inference.chunking import Reading
from app.score.formats import Format, PartWriter, Source
from app.score.rows import ScoredChunk

log = logging.getLogger("app.score")

REPORTED_BAD_ROWS = 20  # logged one by one; beyond, counted


class JobError(Exception):
    """The job cannot start or continue as asked."""


class BadRowError(Exception):
    """A row could not be scored and ``--strict`` was given."""


@dataclass(frozen=True)
class JobIdentity:
    """What a part depends on; ``--resume`` refuses parts made from anything else."""

    input: str
    input_bytes: int
    input_mtime_ns: int
    text_column: str
    chunk_rows: int
    model: str  # name, version and model.onnx sha256 of the bundle
    reading: str  # how long texts are read: "truncate", or "chunk" with overlap and pooling

    @classmethod
    def of(cls, source: Source, chunk_rows: int, model: str, reading: Reading) -> JobIdentity:
        stat = source.path.stat()
        return cls(
            str(source.path.resolve()),
            stat.st_size,
            stat.st_mtime_ns,
            source.text_column,
            chunk_rows,
            model,
            _describe(reading),
        )


def _describe(reading: Reading) -> str:
    if reading.long_text == "truncate":
        return "truncate"
    return f"chunk, overlap {reading.policy.overlap}, pooling {reading.policy.pooling}"


@dataclass
class Summary:
    rows: int = 0  # written in this run
    resumed_rows: int = 0  # written by an earlier run and kept
    bad_rows: int = 0  # in the whole output


class Job:
    def __init__(
        self,
        source: Source,
        output: Path,
        identity: JobIdentity,
        unit: str,
        labels: Sequence[str] = (),
        output_format: Format | None = None,  # None: as the input
    ) -> None:
        self.source = source
        self.unit = unit  # what locates a row in reports: "line" or "row"
        self.output = output
        self.identity = identity
        self.parts = output.with_name(output.name + ".parts")
        # A column per label for more than two.
        self.writer = PartWriter(source, labels, output_format)
        self.summary = Summary()

    def start(self, resume: bool) -> int:
        """Prepare the parts folder; the number of chunks already done (0 unless resuming)."""
        state = self.parts / "job.json"
        if self.parts.exists() and not resume:
            raise JobError(
                f"{self.parts} holds the parts of an unfinished run: pass --resume to continue"
                " it, or delete the folder to start over"
            )
        if resume and state.is_file():
            earlier = json.loads(state.read_text())
            if earlier != asdict(self.identity):
                changed = sorted(k for k, v in asdict(self.identity).items() if earlier.get(k) != v)
                raise JobError(
                    f"cannot resume: {', '.join(changed)} changed since the interrupted run"
                    f" (delete {self.parts} to start over)"
                )
            done = 0
            while self._part(done).is_file():
                done += 1
            for index in range(done):
                self.summary.resumed_rows += self._rows_in(index)
                self.summary.bad_rows += len(self._bad_rows(index))
            if done:
                log.info(
                    "resuming after %d chunks (%d rows already scored)",
                    done,
                    self.summary.resumed_rows,
                )
            return done
        self.parts.mkdir(parents=True, exist_ok=True)
        _write_atomically(state, json.dumps(asdict(self.identity)))
        return 0

    def write(self, scored: ScoredChunk) -> None:
        index = scored.chunk.index
        problems = scored.problems()
        for number, problem in problems:
            if self.summary.bad_rows < REPORTED_BAD_ROWS:
                log.warning("%s %d: %s (not scored)", self.unit, number, problem)
            self.summary.bad_rows += 1
        meta = {"rows": len(scored.outcomes), "bad": problems}
        _write_atomically(self._part(index).with_suffix(".json"), json.dumps(meta))
        temporary = self._part(index).with_name(self._part(index).name + ".tmp")
        self.writer.write_part(temporary, scored.chunk.records, scored.outcomes)
        temporary.replace(self._part(index))
        self.summary.rows += len(scored.outcomes)

    def finish(self) -> None:
        """Join the parts into OUTPUT (atomically) and remove them."""
        done = 0
        while self._part(done).is_file():
            done += 1
        temporary = self.output.with_name(f".{self.output.name}.{os.getpid()}.tmp")
        try:
            self.writer.join([self._part(index) for index in range(done)], temporary)
            temporary.replace(self.output)
        finally:
            temporary.unlink(missing_ok=True)
        shutil.rmtree(self.parts)

    def abandon(self) -> None:
        """Remove the parts (the run failed in a way resuming cannot mend)."""
        shutil.rmtree(self.parts, ignore_errors=True)

    def _part(self, index: int) -> Path:
        return self.parts / f"part-{index:08d}{self.writer.suffix}"

    def _meta(self, index: int) -> dict[str, object]:
        meta: dict[str, object] = json.loads(self._part(index).with_suffix(".json").read_text())
        return meta

    def _rows_in(self, index: int) -> int:
        return int(self._meta(index)["rows"])  # type: ignore[call-overload]

    def _bad_rows(self, index: int) -> list[tuple[int, str]]:
        return [(int(n), str(p)) for n, p in self._meta(index)["bad"]]  # type: ignore[attr-defined]


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)
