"""The Open Inference Protocol (KServe V2) routes: same scores as /predict, JSON and binary
tensors, and the protocol's error answers."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api.schemas import NEGATIVE_EXAMPLE, POSITIVE_EXAMPLE
from app.main import create_app
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION

INFER = "/v2/models/imdb-sentiment/infer"
LONG_REVIEW = "A slow, thoughtful and quite wonderful film about patience. " * 60
TEXTS = [POSITIVE_EXAMPLE, NEGATIVE_EXAMPLE, LONG_REVIEW, "Meh.", "Ünïcödé 🎬 <br /> ok"]


def tensor(texts: list[str], shape: list[int] | None = None, **extra: object) -> dict[str, object]:
    return {
        "name": "text",
        "shape": shape or [len(texts)],
        "datatype": "BYTES",
        "data": texts,
        **extra,
    }


def binary_bytes(texts: list[str]) -> bytes:
    return b"".join(struct.pack("<I", len(t.encode())) + t.encode() for t in texts)


def binary_request(
    texts: list[str], outputs: list[dict[str, object]] | None = None
) -> tuple[bytes, dict[str, str]]:
    data = binary_bytes(texts)
    header = {
        "inputs": [
            {"name": "text", "shape": [len(texts)], "datatype": "BYTES",
             "parameters": {"binary_data_size": len(data)}}
        ],
        **({"outputs": outputs} if outputs is not None else {}),
    }  # fmt: skip
    head = json.dumps(header).encode()
    headers = {
        "Inference-Header-Content-Length": str(len(head)),
        "content-type": "application/octet-stream",
    }
    return head + data, headers


def read_binary_answer(body: bytes, header_length: int) -> dict[str, object]:
    """The outputs of a binary answer by name, decoded."""
    answer = json.loads(body[:header_length])
    offset, decoded = header_length, {}
    for output in answer["outputs"]:
        size = output["parameters"]["binary_data_size"]
        chunk = body[offset : offset + size]
        offset += size
        if output["datatype"] == "FP32":
            decoded[output["name"]] = np.frombuffer(chunk, "<f4").tolist()
        elif output["datatype"] == "INT32":
            decoded[output["name"]] = np.frombuffer(chunk, "<i4").tolist()
        elif output["datatype"] == "BOOL":
            decoded[output["name"]] = np.frombuffer(chunk, np.bool_).tolist()
        else:
            items, at = [], 0
            while at < len(chunk):
                (length,) = struct.unpack_from("<I", chunk, at)
                items.append(chunk[at + 4 : at + 4 + length].decode())
                at += 4 + length
            decoded[output["name"]] = items
    assert offset == len(body)
    return decoded


def outputs_by_name(answer: dict[str, object]) -> dict[str, list[object]]:
    return {output["name"]: output["data"] for output in answer["outputs"]}  # type: ignore[index, union-attr]


def test_a_text_scores_the_same_through_v2_json_binary_and_predict(client: TestClient) -> None:
    predicted = client.post("/predict", json={"texts": TEXTS}).json()["predictions"]
    answer = client.post(INFER, json={"id": "r-1", "inputs": [tensor(TEXTS)]})
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == "r-1"
    assert (body["model_name"], body["model_version"]) == ("imdb-sentiment", SHIPPED_VERSION)
    outputs = outputs_by_name(body)
    content, headers = binary_request(TEXTS)
    raw = client.post(INFER, content=content, headers={**headers})
    assert raw.status_code == 200 and raw.headers["content-type"] == "application/json"
    for index, prediction in enumerate(predicted):
        assert abs(outputs["probability"][index] - prediction["score"]) <= 1e-6
        assert outputs["label"][index] == prediction["label"]
        assert outputs["tokens"][index] == prediction["tokens"]
        assert outputs["truncated"][index] == prediction["truncated"]
    assert outputs_by_name(raw.json()) == outputs  # binary input, JSON output
    assert outputs["truncated"] == [False, False, True, False, False]


def test_v2_reads_long_texts_as_the_service_setting_says() -> None:
    with TestClient(create_app(make_settings(long_text="chunk"))) as chunking:
        predicted = chunking.post("/predict", json={"texts": TEXTS}).json()["predictions"]
        answer = chunking.post(INFER, json={"inputs": [tensor(TEXTS)]})
    assert answer.status_code == 200
    outputs = outputs_by_name(answer.json())
    assert predicted[2]["chunks"] == 2  # the long review, read whole
    for index, prediction in enumerate(predicted):
        assert abs(outputs["probability"][index] - prediction["score"]) <= 1e-6
        assert outputs["tokens"][index] == prediction["tokens"]
        assert outputs["truncated"][index] == prediction["truncated"] is False


def test_binary_outputs_decode_to_the_json_outputs(client: TestClient) -> None:
    expected = outputs_by_name(client.post(INFER, json={"inputs": [tensor(TEXTS)]}).json())
    content, headers = binary_request(
        TEXTS, outputs=[{"name": name, "parameters": {"binary_data": True}} for name in expected]
    )
    answer = client.post(INFER, content=content, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    decoded = read_binary_answer(
        answer.content, int(answer.headers["inference-header-content-length"])
    )
    assert decoded["label"] == expected["label"]
    assert decoded["tokens"] == expected["tokens"] and decoded["truncated"] == expected["truncated"]
    np.testing.assert_allclose(decoded["probability"], expected["probability"], atol=1e-6)


def test_shape_n_by_1_and_a_chosen_output(client: TestClient) -> None:
    texts = [[POSITIVE_EXAMPLE], [NEGATIVE_EXAMPLE]]
    request = {"inputs": [tensor(texts, shape=[2, 1])], "outputs": [{"name": "label"}]}  # type: ignore[arg-type]
    answer = client.post(
        f"/v2/models/imdb-sentiment/versions/{SHIPPED_VERSION}/infer", json=request
    ).json()
    assert answer["outputs"] == [
        {"name": "label", "datatype": "BYTES", "shape": [2, 1], "data": ["positive", "negative"]}
    ]


def test_metadata_health_and_readiness(client: TestClient) -> None:
    server = client.get("/v2").json()
    assert "binary_tensor_data" in server["extensions"]
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    for path in (
        "/v2/models/imdb-sentiment",
        f"/v2/models/imdb-sentiment/versions/{SHIPPED_VERSION}",
    ):
        metadata = client.get(path).json()
        assert metadata["versions"] == [SHIPPED_VERSION]
        assert metadata["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
        assert {o["name"]: o["datatype"] for o in metadata["outputs"]} == {
            "probability": "FP32", "label": "BYTES", "tokens": "INT32", "truncated": "BOOL"
        }  # fmt: skip
        assert client.get(f"{path}/ready").json() == {"name": "imdb-sentiment", "ready": True}


BAD_REQUESTS = {
    "wrong datatype": {"inputs": [{**tensor(["a"]), "datatype": "FP32"}]},
    "wrong input name": {"inputs": [{**tensor(["a"]), "name": "review"}]},
    "two inputs": {"inputs": [tensor(["a"]), tensor(["b"])]},
    "no inputs": {"inputs": []},
    "shape 2-d": {"inputs": [tensor(["a", "b"], shape=[1, 2])]},
    "shape 3-d": {"inputs": [tensor(["a"], shape=[1, 1, 1])]},
    "shape zero": {"inputs": [tensor([], shape=[0])]},
    "shape and data disagree": {"inputs": [tensor(["a"], shape=[3])]},
    "a number among the texts": {"inputs": [tensor(["a", 5], shape=[2])]},  # type: ignore[list-item]
    "an empty text": {"inputs": [tensor(["  "])]},
    "no data": {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES"}]},
    "unknown output": {"inputs": [tensor(["a"])], "outputs": [{"name": "logits"}]},
    "not an object": [1, 2],
    "too many texts": {"inputs": [tensor(["a"] * 257)]},
    "a text too long": {"inputs": [tensor(["a" * 100_001])]},
}


@pytest.mark.parametrize("body", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_bad_tensors_get_400_with_an_error(client: TestClient, body: object) -> None:
    answer = client.post(INFER, json=body)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error", "request_id"} and answer.json()["error"]
    assert answer.json()["request_id"] == answer.headers["x-request-id"]


BAD_BINARY = {
    "header length past the body": (b'{"inputs": []}', "999"),
    "header length not a number": (b'{"inputs": []}', "ten"),
    "size disagrees with the bytes": (
        json.dumps({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES",
                                "parameters": {"binary_data_size": 50}}]}).encode()
        + binary_bytes(["hello"]), None),
    "element runs past the data": (
        json.dumps({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES",
                                "parameters": {"binary_data_size": 6}}]}).encode()
        + struct.pack("<I", 100) + b"ab", None),
    "not UTF-8": (
        json.dumps({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES",
                                "parameters": {"binary_data_size": 6}}]}).encode()
        + struct.pack("<I", 2) + b"\xff\xfe", None),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_BINARY.values(), ids=BAD_BINARY.keys())
def test_bad_binary_data_gets_400(client: TestClient, case: tuple[bytes, str | None]) -> None:
    body, header_length = case
    if header_length is None:
        header_length = str(body.index(b"}]}") + 3)
    answer = client.post(
        INFER, content=body, headers={"Inference-Header-Content-Length": header_length}
    )
    assert answer.status_code == 400, answer.text
    assert "error" in answer.json()


def test_unknown_model_or_version_gets_404(client: TestClient) -> None:
    for path in (
        "/v2/models/other/infer",
        "/v2/models/imdb-sentiment/versions/9.9.9/infer",
    ):
        answer = client.post(path, json={"inputs": [tensor(["a"])]})
        assert answer.status_code == 404 and "error" in answer.json()
    for path in ("/v2/models/other", "/v2/models/imdb-sentiment/versions/9/ready"):
        assert client.get(path).status_code == 404
        assert "error" in client.get(path).json()


def test_body_limit_media_type_and_encoding_answers(client: TestClient) -> None:
    too_big = client.post(
        INFER, content=b"x" * 5_000_000, headers={"content-type": "application/json"}
    )
    assert too_big.status_code == 413 and "error" in too_big.json()
    for headers in ({"content-type": "text/plain"}, {"content-encoding": "gzip"}):
        answer = client.post(
            INFER, content=json.dumps({"inputs": [tensor(["a"])]}), headers=headers
        )
        assert answer.status_code == 415 and "error" in answer.json()


def test_busy_and_past_the_deadline_answers_are_those_of_predict() -> None:
    with TestClient(create_app(make_settings(max_queue_rows=2))) as client:
        answer = client.post(INFER, json={"inputs": [tensor(["a", "b", "c"])]})
        assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
        assert "capacity" in answer.json()["error"]
    with TestClient(create_app(make_settings(request_timeout_ms=1))) as client:
        answer = client.post(INFER, json={"inputs": [tensor([LONG_REVIEW] * 256)]})
        assert answer.status_code == 504 and "error" in answer.json()


def test_the_api_key_guards_v2_inference_too() -> None:
    key = "v2-key-0123456789abcdef"
    with TestClient(create_app(make_settings(api_key=key))) as client:
        request = {"inputs": [tensor(["a fine film"])]}
        refused = client.post(INFER, json=request)
        assert refused.status_code == 401 and "error" in refused.json()
        assert client.post(INFER, json=request, headers={"X-API-Key": key}).status_code == 200
        assert client.get("/v2/models/imdb-sentiment").status_code == 200  # metadata is open


def test_v2_routes_are_in_the_openapi_docs(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/{model_name}",
        "/v2/models/{model_name}/versions/{model_version}/ready",
        "/v2/models/{model_name}/infer", "/v2/models/{model_name}/versions/{model_version}/infer",
    ):  # fmt: skip
        assert path in paths, path
    body = paths["/v2/models/{model_name}/infer"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/octet-stream"} <= set(body)
    assert body["application/json"]["schema"]["properties"]["inputs"]["maxItems"] == 1
