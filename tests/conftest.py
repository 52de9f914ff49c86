"""Fixtures shared by the tests: the shipped bundle and its classifier, and small data made
here (nothing here reads the real IMDB archive)."""

from __future__ import annotations

import importlib.util
import io
import random
import shutil
import tarfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from app.inference.bundle import read_manifest
from app.paths import DEFAULT_BUNDLE

if TYPE_CHECKING:
    from app.inference.pipeline import SentimentClassifier

SHIPPED_BUNDLE = DEFAULT_BUNDLE
# The shipped bundle's version, read from its manifest, so shipping a new bundle edits no test.
SHIPPED_VERSION = read_manifest(SHIPPED_BUNDLE).version
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load_script(name: str) -> ModuleType:
    """``scripts/NAME.py`` imported as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


POSITIVE = ["great", "wonderful", "brilliant", "loved", "fantastic", "superb", "moving", "fun"]
NEGATIVE = ["awful", "boring", "terrible", "hated", "dull", "worst", "waste", "bad"]
FILLER = ["the", "movie", "film", "plot", "acting", "was", "and", "a", "story", "really", "it"]


def synthetic_review(rng: random.Random, positive: bool) -> str:
    """A review whose sentiment words give its label away, with <br /> and punctuation."""
    cue = POSITIVE if positive else NEGATIVE
    words = [rng.choice(cue if rng.random() < 0.3 else FILLER) for _ in range(rng.randint(3, 60))]
    text = " ".join(words)
    return f"{text.capitalize()}!<br /><br />{rng.choice(cue).title()}, really."


def synthetic_reviews(count: int, seed: int = 0) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    return [(synthetic_review(rng, i % 2 == 1), i % 2) for i in range(count)]


def write_aclimdb_tree(root: Path, per_class: int = 20, seed: int = 0) -> Path:
    """aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt with ``per_class`` files each."""
    rng = random.Random(seed)
    base = root / "aclImdb"
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            folder = base / split / polarity
            folder.mkdir(parents=True)
            for index in range(per_class):
                rating = rng.choice([7, 8, 9, 10] if polarity == "pos" else [1, 2, 3, 4])
                text = synthetic_review(rng, polarity == "pos")
                (folder / f"{index}_{rating}.txt").write_text(text, encoding="utf-8")
    (base / "README").write_text("synthetic aclImdb for tests\n")
    return base


def write_archive(tree: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname="aclImdb")
    return archive


def add_to_archive(archive: Path, name: str, data: bytes) -> None:
    """Rewrite ``archive`` with one more member (tar.gz cannot be appended to)."""
    with tarfile.open(archive) as source:
        members = [(m, source.extractfile(m).read() if m.isfile() else None) for m in source]
    with tarfile.open(archive, "w:gz") as target:
        for member, content in members:
            target.addfile(member, io.BytesIO(content) if content is not None else None)
        info = tarfile.TarInfo(name)
        info.size = len(data)
        target.addfile(info, io.BytesIO(data))


@pytest.fixture
def aclimdb_tree(tmp_path: Path) -> Path:
    return write_aclimdb_tree(tmp_path)


def write_unlabeled_tree(root: Path, count: int = 60, seed: int = 1) -> Path:
    """aclImdb/train/unsup/<id>_0.txt, as in aclImdb_v1_unsup.tar.gz."""
    rng = random.Random(seed)
    folder = root / "aclImdb" / "train" / "unsup"
    folder.mkdir(parents=True)
    for index in range(count):
        (folder / f"{index}_0.txt").write_text(synthetic_review(rng, index % 2 == 0))
    return root / "aclImdb"


@pytest.fixture(scope="module")
def classifier() -> SentimentClassifier:
    """The shipped bundle, loaded and verified (one per test module)."""
    from app.inference.pipeline import SentimentClassifier

    return SentimentClassifier.from_bundle(SHIPPED_BUNDLE)


@pytest.fixture
def bundle_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped bundle that a test may damage."""
    return Path(shutil.copytree(SHIPPED_BUNDLE, tmp_path / "bundle"))


@pytest.fixture(scope="session")
def multiclass_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-label bundle (negative, neutral, positive) made here without TensorFlow."""
    from tests.multiclass_bundle import write_multiclass_bundle

    return write_multiclass_bundle(tmp_path_factory.mktemp("multiclass") / "tri-sentiment")
