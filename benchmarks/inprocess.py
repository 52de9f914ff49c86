"""In-process yardsticks, each run in its own process so CPU and peak memory are its own.

``python -m benchmarks.inprocess onnx|keras --workload W --texts reviews|short --batch-size B``
prints one JSON line: reviews/s, per-call latency percentiles, CPU seconds, peak RSS.

- ``onnx`` (a): the limit, ``SentimentClassifier.predict`` on the shipped bundle:
  tokenization, length-grouped ``session.run`` and labels; nothing else. ``--callers 2`` runs
  two threads side by side (one per core), as the service's two inference workers do.
- ``keras`` (c): the recipe's way, the trained Keras model's ``model.predict`` on ids from the
  same tokenizer padded to the fixed max length (as the tutorial's ``pad_sequences``).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from itertools import cycle, islice
from pathlib import Path

import numpy as np

from benchmarks.harness.procstats import sample
from benchmarks.harness.workload import Workload

Predict = Callable[[Sequence[str]], object]


def onnx_predict(bundle: Path, threads: int) -> Predict:
    from app.inference.pipeline import SentimentClassifier

    classifier = SentimentClassifier.from_bundle(bundle, intra_op_threads=threads)
    classifier.warm_up()
    return classifier.predict


def keras_predict(bundle: Path, keras_model: Path) -> Predict:
    import keras

    import training.fit.model  # noqa: F401  (registers the custom pooling layer)
    from app.inference.bundle import load_tokenizer, read_manifest
    from app.inference.pipeline import encode

    manifest = read_manifest(bundle)
    tokenizer = load_tokenizer(bundle, manifest)
    model = keras.models.load_model(keras_model)

    def predict(texts: Sequence[str]) -> object:
        ids = encode(tokenizer, texts, manifest.pad_id).input_ids
        padded = np.zeros((len(ids), manifest.max_length), dtype=np.int64)
        padded[:, : ids.shape[1]] = ids
        return model.predict(padded, batch_size=max(len(texts), 1), verbose=0)

    return predict


def measure(
    predict: Predict, texts: list[str], batch_size: int, seconds: float, callers: int = 1
) -> dict[str, float]:
    """``callers`` threads each call ``predict`` on successive batches for ``seconds``."""
    batches = [texts[start : start + batch_size] for start in range(0, len(texts), batch_size)]
    for batch in batches[:3]:
        predict(batch)
    latencies: list[list[float]] = [[] for _ in range(callers)]
    reviews = [0] * callers

    def call(number: int) -> None:
        for batch in islice(cycle(batches), number, None, callers):
            if time.perf_counter() >= deadline:
                return
            began = time.perf_counter()
            predict(batch)
            latencies[number].append(time.perf_counter() - began)
            reviews[number] += len(batch)

    before = sample(os.getpid())
    start = time.perf_counter()
    deadline = start + seconds
    threads = [threading.Thread(target=call, args=(number,)) for number in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    after = sample(os.getpid())
    every = [latency for caller in latencies for latency in caller]
    p50, p95, p99 = np.percentile(every, [50, 95, 99]) * 1000
    return {
        "reviews_per_s": sum(reviews) / elapsed,
        "requests": len(every),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
        "cpu_s_per_1k_reviews": (after.cpu_seconds - before.cpu_seconds) / sum(reviews) * 1000,
        "peak_rss_mb": after.peak_rss_mb,
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inprocess")
    parser.add_argument("kind", choices=["onnx", "keras"])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--keras-model", type=Path)
    parser.add_argument("--workload", type=Path, required=True)
    parser.add_argument("--texts", choices=["reviews", "short"], default="reviews")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--callers", type=int, default=1, help="threads calling predict")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.kind == "onnx":
        predict = onnx_predict(args.bundle, args.threads)
    else:
        if args.keras_model is None:
            parser.error("keras needs --keras-model")
        predict = keras_predict(args.bundle, args.keras_model)
    texts = Workload.load(args.workload).texts(args.texts)
    print(json.dumps(measure(predict, texts, args.batch_size, args.seconds, args.callers)))  # noqa: T201


if __name__ == "__main__":
    main()
