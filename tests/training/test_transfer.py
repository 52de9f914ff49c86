"""``--init-from``: a run starts from a trained bundle's embedding, pair table and recurrent layer,
read back from its ONNX graph, with the bundle's vocabulary kept and the new rows' words added."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import keras
import numpy as np
import onnx
import pytest
from tokenizers import Tokenizer

from app.inference.bundle import read_manifest
from tests.training.three_labels import TINY_TRAINING, tiny_mood_training
from training.cli import main
from training.fit.config import TrainConfig
from training.fit.model import build_model
from training.fit.quantize import dequantized, quantize_gathers
from training.fit.transfer import (
    MIN_NEW_WORD_COUNT,
    SourceBundle,
    extended_tokenizer,
    set_layer_weights,
    starting_weights,
    with_source_architecture,
)

pytestmark = pytest.mark.slow

TINY = [*TINY_TRAINING, "--epochs", "3"]  # the last --epochs counts
_ENCODER = ("embedding", "bigram_embedding", "bi_lstm")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A source bundle trained on three labels, and a second run started from it on two."""
    work = tmp_path_factory.mktemp("transfer")
    assert main(tiny_mood_training(work)) == 0
    common = ["--models-dir", str(work / "models"), "--runs-dir", str(work / "runs")]
    target = work / "verdicts.csv"
    with target.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["text", "label"])
        for index in range(200):
            good = index % 2 == 0
            cue = ("splendid service" if good else "rude staff") + " zyxword" * (index % 3 == 0)
            writer.writerow([f"The airline {cue} today.", "good" if good else "bad"])
    started = ["--init-from", str(work / "models" / "moods")]
    assert main(["train", "--data", str(target), *common, *TINY, *started]) == 0
    return work


def test_weights_read_back_from_the_graph_are_the_trained_ones(work: Path) -> None:
    """The ONNX LSTM's gates (i, o, f, c; two biases) map back onto Keras' (i, f, c, o; one)."""
    source = SourceBundle.read(work / "models" / "moods")
    trained = keras.models.load_model(work / "runs" / "moods" / "model.keras", compile=False)
    config = TrainConfig(**{k: v for k, v in source.config.items() if k in _fields()})
    fresh = build_model(config.replace(vocab_size=config.vocab_size + 5), classes=3)
    set_layer_weights(fresh, starting_weights(source, config.vocab_size + 5))
    for name in _ENCODER:
        for got, want in zip(
            fresh.get_layer(name).get_weights(), trained.get_layer(name).get_weights(), strict=True
        ):
            if name == "embedding":  # five added words start at zero
                np.testing.assert_array_equal(got[len(want) :], 0.0)
                got = got[: len(want)]
            np.testing.assert_allclose(got, want, atol=1e-6)


def test_the_vocabulary_keeps_every_id_and_adds_words_seen_twice(work: Path) -> None:
    source = SourceBundle.read(work / "models" / "moods")
    before = Tokenizer.from_file(str(source.path / "tokenizer.json")).get_vocab()
    texts = ["brandnew brandnew word", "brandnew onceonly"]
    tokenizer, added = extended_tokenizer(source, texts, 24, "first")
    after = tokenizer.get_vocab()
    assert all(after[word] == index for word, index in before.items())
    new = {word for word in after if word not in before}
    assert MIN_NEW_WORD_COUNT == 2 and new == {"brandnew"} and added == 1
    assert after["brandnew"] == len(before)
    assert tokenizer.encode("onceonly").ids == [1]  # seen once: unknown


def test_the_started_run_records_its_source_in_manifest_and_card(work: Path) -> None:
    bundle = work / "models" / "verdicts"
    manifest = read_manifest(bundle)
    started = manifest.dataset["started_from"]
    assert started["bundle"] == "moods" and started["words_added"] >= 2  # "airline", "zyxword"
    assert manifest.config["init_from"] == str(work / "models" / "moods")
    assert manifest.labels == ["bad", "good"]
    source_vocab = read_manifest(work / "models" / "moods").vocab_size
    assert manifest.vocab_size == source_vocab + started["words_added"]
    card = (bundle / "report" / "model_card.md").read_text()
    assert "Started from `moods`" in card and "tokens: `moods`'s and" in card
    # A user's two-label table gets the generic card, not the movie-review one.
    assert "the probability of **good**" in card and "movie" not in card
    assert "star ratings" not in card and "| good |" in card
    assert manifest.metrics["test"]["accuracy"] > 0.9


def test_a_clashing_architecture_is_refused_not_replaced(work: Path) -> None:
    source = SourceBundle.read(work / "models" / "moods")
    config = TrainConfig(units=32, init_from=str(source.path))
    with pytest.raises(ValueError, match=r"--units 32 \(the bundle's: 8\)"):
        with_source_architecture(config, source, given={"units"})
    assert with_source_architecture(config, source, given=set()).units == 8
    data = work / "verdicts.csv"
    arguments = ["train", "--data", str(data), "--init-from", str(source.path), "--units", "32"]
    assert main([*arguments, "--runs-dir", str(work / "clash"), "--quiet"]) == 1


def test_what_cannot_start_a_run_is_refused_clearly(tmp_path: Path, work: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no manifest\.json"):
        SourceBundle.read(tmp_path)
    copy = tmp_path / "gru"
    copy.mkdir()
    manifest = json.loads((work / "models" / "moods" / "manifest.json").read_text())
    manifest["config"]["cell"] = "gru"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="only an LSTM"):
        SourceBundle.read(copy)
    del manifest["config"]["units"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=r"does not record \['units'\]"):
        SourceBundle.read(copy)
    with pytest.raises(ValueError, match="word2vec must be off"):
        TrainConfig(init_from="x", embedding_pretraining_epochs=1)


def test_a_bundle_from_before_word_pairs_reads_as_having_none(tmp_path: Path, work: Path) -> None:
    """1.0.0's manifest does not name bigram_buckets: the setting did not exist, nor the table."""
    manifest = json.loads((work / "models" / "moods" / "manifest.json").read_text())
    del manifest["config"]["bigram_buckets"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert SourceBundle.read(tmp_path).config["bigram_buckets"] == 0


def _fields() -> set[str]:
    return set(TrainConfig.__dataclass_fields__)


def test_an_int8_bundle_starts_a_run_from_its_tables_as_served(tmp_path: Path, work: Path) -> None:
    """A bundle exported with --quantize-embeddings (the shipped default since 2.3.0) stores its
    tables as int8 rows and row scales: a run starts from ``rows * scales``, what it serves."""
    floats = SourceBundle.read(work / "models" / "moods")
    vocab = int(floats.config["vocab_size"])
    before = starting_weights(floats, vocab)
    copy = Path(shutil.copytree(floats.path, tmp_path / "int8"))
    model = onnx.load(str(copy / "model.onnx"))
    tables = [before[name][0] for name in ("embedding", "bigram_embedding") if name in before]
    assert quantize_gathers(model.graph, tables) == len(tables) >= 1
    onnx.save(model, str(copy / "model.onnx"))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["config"]["quantize_embeddings"] = True
    (copy / "manifest.json").write_text(json.dumps(manifest))
    after = starting_weights(SourceBundle.read(copy), vocab)
    assert after.keys() == before.keys()
    for name, weights in before.items():
        for got, want in zip(after[name], weights, strict=True):
            if name in ("embedding", "bigram_embedding"):
                want = dequantized(want)
                assert not np.array_equal(got, weights[0])  # int8 really was read
            np.testing.assert_array_equal(got, want)
