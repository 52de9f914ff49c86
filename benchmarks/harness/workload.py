"""The texts every configuration is measured on: real IMDB test reviews and short texts.

The orchestrator samples them once and writes them to a JSON file, so every process (the
in-process yardsticks, the servers' load generator) works on exactly the same texts.
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from app.paths import REPOSITORY

SHORT_MAX_TOKENS = 20
DEFAULT_DATA = REPOSITORY.parent / "shared" / "data" / "aclImdb_v1_labeled.tar.gz"


@dataclass(frozen=True)
class Workload:
    reviews: list[str]  # whole test reviews, as a client would send them
    short: list[str]  # texts of at most SHORT_MAX_TOKENS tokens

    def texts(self, kind: str) -> list[str]:
        return {"reviews": self.reviews, "short": self.short}[kind]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"reviews": self.reviews, "short": self.short}))

    @classmethod
    def load(cls, path: Path) -> Workload:
        data = json.loads(path.read_text())
        return cls(data["reviews"], data["short"])


def from_dataset(data: Path, bundle: Path, count: int, seed: int) -> Workload:
    """``sample`` over the test split of the dataset at ``data``, with the bundle's tokenizer."""
    from app.inference.bundle import load_tokenizer, read_manifest
    from training.fit.data import load_dataset

    texts = load_dataset(data).test.texts
    return sample(texts, load_tokenizer(bundle, read_manifest(bundle)), count, seed)


def sample(test_texts: list[str], tokenizer: Tokenizer, count: int, seed: int) -> Workload:
    """``count`` seeded random test reviews, and from each its first words cut to at most
    SHORT_MAX_TOKENS tokens of the bundle's tokenizer."""
    reviews = random.Random(seed).sample(test_texts, min(count, len(test_texts)))
    return Workload(reviews, [_shorten(text, tokenizer) for text in reviews])


def _shorten(text: str, tokenizer: Tokenizer) -> str:
    words = text.replace("<br />", " ").split()[:SHORT_MAX_TOKENS]
    while words and len(tokenizer.encode(" ".join(words)).ids) > SHORT_MAX_TOKENS:
        words.pop()
    return " ".join(words) or "fine"


def bodies_files(prefix: str, **shapes: tuple[list[str], int]) -> dict[str, Path]:
    """A fresh scratch folder's request-body files, one per ``name=(texts, texts per request)``."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    return {
        name: write_bodies(scratch / f"{name}.jsonl", request_bodies(texts, per_request))
        for name, (texts, per_request) in shapes.items()
    }


def write_bodies(path: Path, bodies: list[str]) -> Path:
    """One body per line, as the wrk script reads them."""
    path.write_text("\n".join(bodies) + "\n")
    return path


def request_bodies(texts: list[str], per_request: int) -> list[str]:
    """JSON bodies for POST /predict: one text each, or ``per_request`` texts each."""
    if per_request == 1:
        return [json.dumps({"text": text}) for text in texts]
    return [
        json.dumps({"texts": texts[start : start + per_request]})
        for start in range(0, len(texts) - per_request + 1, per_request)
    ]
