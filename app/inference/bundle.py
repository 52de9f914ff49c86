"""The model bundle: a folder that describes itself.

``models/<name>/`` holds ``model.onnx``, ``tokenizer.json``, ``manifest.json`` and ``report/``.
The manifest names the graph's inputs and outputs, the labels and threshold, the max length and
pad id, the metrics, and the sha256 of every file. Training writes it (``training.export``);
serving reads it here and refuses a bundle that does not match what it says of itself.

Two tasks, one input (``input_ids`` int64 ``[batch, sequence]``, post-padded with ``pad_id``):

- ``task: "binary-sentiment"``: exactly 2 ``labels`` (negative, positive); one output of shape
  ``[batch, 1]`` (float32, usually named ``probability``) holding the probability of
  ``labels[1]``; ``threshold`` in [0, 1] is required: the label is ``labels[1]`` at or above it.
- ``task: "multiclass-sentiment"``: 3 to 50 distinct ``labels``; one output of shape
  ``[batch, N]`` (float32, named ``probabilities``, N = the number of labels; the batch axis is
  a name) holding softmax probabilities in the manifest's label order; no ``threshold`` (leave
  it out): the label is the most probable one (the first on a tie).

Optional, ``chunking``: how this model reads a text longer than its window when asked to chunk
it (``overlap`` tokens, below ``max_length``, and a ``pooling`` rule), as chosen on validation
by ``python -m training long-text --update-card``. The service uses it unless its settings name
an overlap or a rule (``app.inference.chunking.served_policy``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from tokenizers import Tokenizer

MANIFEST_FILE = "manifest.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
FORMAT_VERSION: Final = 1  # the manifest layout this code reads; another is refused
BINARY_TASK: Final = "binary-sentiment"
MULTICLASS_TASK: Final = "multiclass-sentiment"
MAX_LABELS: Final = 50


class BundleError(RuntimeError):
    """A bundle that cannot be served; the message names the file and the problem."""


class TensorSpec(BaseModel):
    """One graph input or output: its name, element type and shape (str = dynamic axis)."""

    model_config = ConfigDict(frozen=True)

    name: str
    dtype: Literal["int32", "int64", "float32"]
    shape: list[int | str]


ChunkPooling = Literal["mean", "logit_mean", "max_confidence"]


class ChunkReading(BaseModel):
    """The bundle's own way of reading long texts in windows, chosen on validation."""

    model_config = ConfigDict(frozen=True)

    overlap: int = Field(ge=0)
    pooling: ChunkPooling
    chosen_on: str = ""  # where the choice was made, in words, for the reader of /model


class RecurrentLayer(BaseModel):
    """How the recurrent layer runs in ONNX: one fused op, or tf2onnx's generic Loop."""

    model_config = ConfigDict(frozen=True)

    cell: Literal["lstm", "gru", "rnn"]
    bidirectional: bool
    onnx_op: Literal["LSTM", "Loop"]
    uses_sequence_lens: bool
    # last state, mean over the text's steps, or mean and max side by side
    pooling: Literal["last", "mean", "mean_max"] = "last"


class Manifest(BaseModel):
    """Everything a server needs to know to serve the bundle, and to check it."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    format_version: Literal[1] = FORMAT_VERSION
    name: str
    version: str
    created: str
    task: Literal["binary-sentiment", "multiclass-sentiment"] = BINARY_TASK
    labels: list[str] = Field(min_length=2, max_length=MAX_LABELS)
    # Binary only (required there); a multiclass manifest must leave it out, and this default
    # is then never read: its label is the argmax.
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    max_length: int = Field(gt=0)
    truncation: Literal["first", "last"] = "first"  # which max_length tokens a long text keeps
    pad_id: int = Field(ge=0)
    vocab_size: int = Field(gt=1)
    inputs: list[TensorSpec] = Field(min_length=1, max_length=1)
    outputs: list[TensorSpec] = Field(min_length=1, max_length=1)
    recurrent: RecurrentLayer
    config: dict[str, Any]
    metrics: dict[str, Any]
    dataset: dict[str, Any]
    libraries: dict[str, str]
    files: dict[str, str]
    chunking: ChunkReading | None = None

    @model_validator(mode="after")
    def _task_rules(self) -> Manifest:
        """Labels, threshold and output shape agree with the task (see the module docstring)."""
        if self.chunking is not None and self.chunking.overlap >= self.max_length:
            raise ValueError(
                f"chunking.overlap {self.chunking.overlap} must be below max_length"
                f" {self.max_length}"
            )
        if len(set(self.labels)) != len(self.labels) or not all(self.labels):
            raise ValueError("labels must be distinct, non-empty names")
        last_axis = self.output.shape[-1] if self.output.shape else None
        if self.task == BINARY_TASK:
            if len(self.labels) != 2 or "threshold" not in self.model_fields_set:
                raise ValueError(f"{BINARY_TASK} needs exactly 2 labels and a threshold")
            if last_axis != 1:
                raise ValueError(f"{BINARY_TASK} needs an output of shape [batch, 1]")
        else:
            if len(self.labels) < 3 or "threshold" in self.model_fields_set:
                raise ValueError(f"{MULTICLASS_TASK} needs 3 or more labels and no threshold")
            if len(self.output.shape) != 2 or last_axis != len(self.labels):
                raise ValueError(
                    f"{MULTICLASS_TASK} needs an output of shape [batch, {len(self.labels)}]"
                )
        return self

    @property
    def multiclass(self) -> bool:
        """Whether the output is a probability per label (else: of labels[1] only)."""
        return self.task == MULTICLASS_TASK

    @property
    def input(self) -> TensorSpec:
        return self.inputs[0]

    @property
    def output(self) -> TensorSpec:
        return self.outputs[0]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_checksums(bundle_dir: Path) -> dict[str, str]:
    """sha256 of every file in the bundle but the manifest, by path relative to the bundle:
    what a manifest lists and the server verifies."""
    return {
        path.relative_to(bundle_dir).as_posix(): sha256_file(path)
        for path in sorted(bundle_dir.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }


def read_manifest(bundle_dir: Path) -> Manifest:
    """Parse ``manifest.json``; raise BundleError naming what is missing or malformed."""
    path = bundle_dir / MANIFEST_FILE
    if not bundle_dir.is_dir():
        raise BundleError(f"{bundle_dir}: bundle directory not found")
    if not path.is_file():
        raise BundleError(f"{path}: manifest not found")
    try:
        return Manifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BundleError(f"{path}: not valid JSON ({error})") from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise BundleError(f"{path}: invalid manifest ({problems})") from error


def verify_checksums(bundle_dir: Path, manifest: Manifest) -> None:
    """Every file the manifest lists exists and has the sha256 it records."""
    for required in (MODEL_FILE, TOKENIZER_FILE):
        if required not in manifest.files:
            raise BundleError(f"{bundle_dir / MANIFEST_FILE}: no checksum recorded for {required}")
    for relative, expected in manifest.files.items():
        path = bundle_dir / relative
        if not path.is_file():
            raise BundleError(f"{path}: listed in the manifest but missing")
        actual = sha256_file(path)
        if actual != expected:
            raise BundleError(
                f"{path}: checksum mismatch (manifest {expected[:12]}..., file {actual[:12]}...);"
                " the file is corrupt or was changed after export"
            )


def load_tokenizer(bundle_dir: Path, manifest: Manifest) -> Tokenizer:
    """Load the bundle's tokenizer and check it truncates and pads as the manifest says."""
    path = bundle_dir / TOKENIZER_FILE
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception on bad files
        raise BundleError(f"{path}: not a valid tokenizers file ({error})") from error
    truncation = tokenizer.truncation
    if truncation is None or truncation["max_length"] != manifest.max_length:
        found = None if truncation is None else truncation["max_length"]
        raise BundleError(
            f"{path}: truncates at {found}, but the manifest says max_length={manifest.max_length}"
        )
    direction = "right" if manifest.truncation == "first" else "left"
    if truncation["direction"] != direction:
        raise BundleError(
            f"{path}: truncation direction {truncation['direction']!r}, but the manifest says"
            f" keep the {manifest.truncation} tokens (direction {direction!r})"
        )
    padding = tokenizer.padding
    if padding is None or padding["pad_id"] != manifest.pad_id or padding["direction"] != "right":
        raise BundleError(
            f"{path}: must post-pad with pad id {manifest.pad_id} (found padding {padding})"
        )
    if padding["length"] is not None:
        raise BundleError(f"{path}: must pad to the longest row, not to a fixed length")
    if tokenizer.get_vocab_size() != manifest.vocab_size:
        raise BundleError(
            f"{path}: vocabulary of {tokenizer.get_vocab_size()} tokens,"
            f" the manifest says {manifest.vocab_size}"
        )
    return tokenizer
