"""The mixed work of the soak (issue 23): every kind of request the service answers, as raw
HTTP/1.1 requests ready to write on a keep-alive connection.

- ``short``: one short text on ``/predict``;
- ``chunked``: a long review (several test reviews joined, a few model windows) on ``/predict``
  with ``long_text: "chunk"``;
- ``sentences``: one review on ``/predict`` with ``sentences: true``;
- ``explain``: one review on ``/explain`` (occlusion: a model row per token);
- ``v2 binary``: a few reviews on ``/v2/models/NAME/infer`` in the binary tensor form.

``SHARES`` says how many of each a cycle of requests holds; the cycle is shuffled with a seed,
so that the kinds arrive interleaved, and the same way in every run.
"""

from __future__ import annotations

import json
import random
import struct

from benchmarks.harness.loadgen import post
from benchmarks.harness.workload import Workload

# Requests of each kind in a cycle of 20: mostly cheap short texts, as a public API sees them,
# and a steady share of every costly kind (an explanation costs a row per token).
SHARES = {"short": 10, "v2 binary": 4, "sentences": 3, "chunked": 2, "explain": 1}
KINDS = tuple(SHARES)
REVIEWS_PER_LONG_TEXT = 6  # ~1,400 tokens: three or four windows of the model's 500
REVIEWS_PER_V2_REQUEST = 4
EXPLAIN_MAX_CHARS = 2000  # ~450 tokens at most: well within /explain's 1,000-token limit
HEADER_LENGTH = "Inference-Header-Content-Length"


def v2_binary(model: str, texts: list[str]) -> bytes:
    """A V2 infer request with ``texts`` as one BYTES tensor in the binary form: the JSON part
    (its length in the Inference-Header-Content-Length header), then each text's UTF-8 bytes
    after its little-endian 4-byte length."""
    data = b"".join(struct.pack("<I", len(t.encode())) + t.encode() for t in texts)
    tensor = {"name": "text", "shape": [len(texts)], "datatype": "BYTES"}
    head = json.dumps({"inputs": [{**tensor, "parameters": {"binary_data_size": len(data)}}]})
    headers = {"Content-Type": "application/octet-stream", HEADER_LENGTH: str(len(head))}
    return post(f"/v2/models/{model}/infer", head.encode() + data, headers)


def _predict(body: dict[str, object]) -> bytes:
    return post("/predict", json.dumps(body).encode())


def requests_of_kind(kind: str, workload: Workload, model: str) -> list[bytes]:
    """Every request of ``kind`` that the workload's texts make."""
    reviews = workload.reviews
    if kind == "short":
        return [_predict({"text": text}) for text in workload.short]
    if kind == "sentences":
        return [_predict({"text": text, "sentences": True}) for text in reviews]
    if kind == "explain":
        texts = [text for text in reviews if len(text) <= EXPLAIN_MAX_CHARS]
        return [post("/explain", json.dumps({"text": text}).encode()) for text in texts]
    if kind == "chunked":
        step = REVIEWS_PER_LONG_TEXT
        joined = [" ".join(reviews[at : at + step]) for at in range(0, len(reviews) - step, step)]
        return [_predict({"text": text, "long_text": "chunk"}) for text in joined]
    if kind == "v2 binary":
        step = REVIEWS_PER_V2_REQUEST
        groups = [reviews[at : at + step] for at in range(0, len(reviews) - step + 1, step)]
        return [v2_binary(model, group) for group in groups]
    raise ValueError(f"unknown kind of request {kind!r}")


def build(workload: Workload, model: str, cycles: int, seed: int = 0) -> list[tuple[str, bytes]]:
    """``cycles`` shuffled cycles of SHARES requests, as (kind, raw request); each kind's
    requests are taken in turn, so that texts vary."""
    pools = {kind: requests_of_kind(kind, workload, model) for kind in KINDS}
    taken = dict.fromkeys(KINDS, 0)
    shuffler = random.Random(seed)
    mix = []
    for _ in range(cycles):
        cycle = [kind for kind, share in SHARES.items() for _ in range(share)]
        shuffler.shuffle(cycle)
        for kind in cycle:
            pool = pools[kind]
            mix.append((kind, pool[taken[kind] % len(pool)]))
            taken[kind] += 1
    return mix
