"""The Open Inference Protocol spoken with the real Triton client (``tritonclient[http]``) to
``python -m app``: health, metadata, inference in JSON and binary modes, unknown model, and
inference on two models of one service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from app.api.schemas import NEGATIVE_EXAMPLE, POSITIVE_EXAMPLE
from tests.app_processes import serving_app
from tests.conftest import SHIPPED_VERSION

httpclient = pytest.importorskip("tritonclient.http", reason="tritonclient[http] not installed")
from tritonclient.utils import InferenceServerException  # noqa: E402

KEY = "triton-key-0123456789abcdef"
MODEL = "imdb-sentiment"
TEXTS = [POSITIVE_EXAMPLE, NEGATIVE_EXAMPLE, "An utterly forgettable film. " * 80]


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    with serving_app(api_key=KEY) as service:
        base = service.base
        yield base


@pytest.fixture(scope="module")
def client(service: str) -> Iterator[httpclient.InferenceServerClient]:
    triton = httpclient.InferenceServerClient(url=service.removeprefix("http://"))
    yield triton
    triton.close()


@pytest.fixture(scope="module")
def expected(service: str) -> list[dict[str, object]]:
    answer = httpx.post(f"{service}/predict", json={"texts": TEXTS}, headers={"X-API-Key": KEY})
    predictions: list[dict[str, object]] = answer.json()["predictions"]
    return predictions


def test_health_and_metadata(client: httpclient.InferenceServerClient) -> None:
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready(MODEL)
    assert client.is_model_ready(MODEL, SHIPPED_VERSION)
    assert "binary_tensor_data" in client.get_server_metadata()["extensions"]
    metadata = client.get_model_metadata(MODEL)
    assert metadata["name"] == MODEL and metadata["versions"] == [SHIPPED_VERSION]
    assert metadata["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
    assert [output["name"] for output in metadata["outputs"]] == [
        "probability", "label", "tokens", "truncated"
    ]  # fmt: skip


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_infer_scores_as_predict_does(
    client: httpclient.InferenceServerClient, expected: list[dict[str, object]], binary: bool
) -> None:
    text = httpclient.InferInput("text", [len(TEXTS)], "BYTES")
    text.set_data_from_numpy(np.array(TEXTS, dtype=object), binary_data=binary)
    outputs = [
        httpclient.InferRequestedOutput(name, binary_data=binary)
        for name in ("probability", "label", "tokens", "truncated")
    ]
    result = client.infer(
        MODEL, [text], outputs=outputs, request_id="req-7", headers={"X-API-Key": KEY}
    )
    assert result.get_response()["id"] == "req-7"
    probability = result.as_numpy("probability")
    labels = [
        label.decode() if isinstance(label, bytes) else label for label in result.as_numpy("label")
    ]
    assert probability.dtype == np.float32 and probability.shape == (len(TEXTS),)
    np.testing.assert_allclose(probability, [p["score"] for p in expected], atol=1e-6)
    assert labels == [p["label"] for p in expected]
    assert result.as_numpy("tokens").tolist() == [p["tokens"] for p in expected]
    assert result.as_numpy("truncated").tolist() == [p["truncated"] for p in expected]


def test_default_outputs_come_back_binary(
    client: httpclient.InferenceServerClient, expected: list[dict[str, object]]
) -> None:
    """With no outputs named, tritonclient asks for every output in the binary form."""
    text = httpclient.InferInput("text", [len(TEXTS), 1], "BYTES")
    text.set_data_from_numpy(np.array(TEXTS, dtype=object).reshape(-1, 1))
    result = client.infer(MODEL, [text], model_version=SHIPPED_VERSION, headers={"X-API-Key": KEY})
    probability = result.as_numpy("probability")
    assert probability.shape == (len(TEXTS), 1)
    np.testing.assert_allclose(probability[:, 0], [p["score"] for p in expected], atol=1e-6)


def test_unknown_model_and_missing_key(client: httpclient.InferenceServerClient) -> None:
    text = httpclient.InferInput("text", [1], "BYTES")
    text.set_data_from_numpy(np.array(["fine"], dtype=object))
    with pytest.raises(InferenceServerException) as unknown:
        client.infer("no-such-model", [text], headers={"X-API-Key": KEY})
    assert unknown.value.status() == "404" and "unknown model" in unknown.value.message()
    with pytest.raises(InferenceServerException) as refused:
        client.infer(MODEL, [text])
    assert refused.value.status() == "401"
    with pytest.raises(InferenceServerException):
        client.get_model_metadata("no-such-model")


@pytest.fixture(scope="module")
def two_models(multiclass_bundle: Path) -> Iterator[str]:
    """The shipped model (the default) and a three-label one, in two worker processes."""
    with serving_app(extra_bundle_paths=multiclass_bundle) as service:
        yield service.base


def test_infer_on_two_models_of_one_service(two_models: str) -> None:
    triton = httpclient.InferenceServerClient(url=two_models.removeprefix("http://"))
    try:
        for binary in (False, True):
            for model, output in ((MODEL, "probability"), ("tri-sentiment", "probabilities")):
                assert triton.is_model_ready(model)
                text = httpclient.InferInput("text", [len(TEXTS)], "BYTES")
                text.set_data_from_numpy(np.array(TEXTS, dtype=object), binary_data=binary)
                wanted = [httpclient.InferRequestedOutput(output, binary_data=binary)]
                wanted.append(httpclient.InferRequestedOutput("label", binary_data=binary))
                result = triton.infer(model, [text], outputs=wanted)
                body = {"texts": TEXTS, "model": model}
                predicted = httpx.post(f"{two_models}/predict", json=body).json()["predictions"]
                scores = result.as_numpy(output)
                if model == MODEL:
                    expected = np.array([p["score"] for p in predicted])
                else:
                    expected = np.array([list(p["scores"].values()) for p in predicted])
                    assert scores.shape == (len(TEXTS), 3)
                np.testing.assert_allclose(scores, expected, atol=1e-6)
                labels = [
                    v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("label")
                ]
                assert labels == [p["label"] for p in predicted]
        metadata = triton.get_model_metadata("tri-sentiment")
        assert {"name": "probabilities", "datatype": "FP32", "shape": [-1, 3]} in metadata[
            "outputs"
        ]
    finally:
        triton.close()
