"""The Open Inference Protocol over gRPC (``app.api.open_inference.grpc_*``), spoken by the
Triton client (``tritonclient[grpc]``) and by its raw stubs (for typed contents, trailers and
malformed requests) to the app's gRPC server, run by the app's lifespan as in production.
REST answers are the yardstick: both forms must score and refuse alike."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import numpy as np
import pytest
from fastapi.testclient import TestClient
from google.rpc import error_details_pb2, status_pb2

from app.api.schemas import NEGATIVE_EXAMPLE, POSITIVE_EXAMPLE
from app.main import create_app
from app.runtime.state import ServiceState
from benchmarks.harness.processes import eventually, free_port
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION

grpcclient = pytest.importorskip("tritonclient.grpc", reason="tritonclient[grpc] not installed")
from tritonclient.grpc import service_pb2, service_pb2_grpc  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402

MODEL = "imdb-sentiment"
TEXTS = [POSITIVE_EXAMPLE, NEGATIVE_EXAMPLE, "An utterly forgettable film. " * 80]
KEY = "grpc-key-0123456789abcdef"


class Served:
    """The app with its gRPC port: REST through ``rest``, gRPC through ``triton`` and
    ``stub`` (raw messages)."""

    def __init__(self, rest: TestClient, port: int) -> None:
        self.rest = rest
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = service_pb2_grpc.GRPCInferenceServiceStub(self.channel)
        self.triton = grpcclient.InferenceServerClient(f"127.0.0.1:{port}")

    @property
    def state(self) -> ServiceState:
        state: ServiceState = self.rest.app.state.service  # type: ignore[attr-defined]
        return state

    def close(self) -> None:
        self.triton.close()
        self.channel.close()


@contextmanager
def serving(**settings: object) -> Iterator[Served]:
    port = free_port()
    with TestClient(create_app(make_settings(grpc_port=port, **settings))) as rest:
        served = Served(rest, port)
        try:
            yield served
        finally:
            served.close()


@pytest.fixture(scope="module")
def service(multiclass_bundle: Path) -> Iterator[Served]:
    with serving(extra_bundle_paths=[multiclass_bundle]) as served:
        yield served


def predict(service: Served, texts: list[str], model: str = MODEL) -> list[dict[str, object]]:
    answer = service.rest.post("/predict", json={"texts": texts, "model": model})
    predictions: list[dict[str, object]] = answer.json()["predictions"]
    return predictions


def typed_request(texts: list[str], **fields: object) -> service_pb2.ModelInferRequest:
    """A request with the texts as typed contents (tritonclient always sends raw ones)."""
    request = service_pb2.ModelInferRequest(**{"model_name": MODEL, **fields})
    tensor = request.inputs.add(name="text", datatype="BYTES", shape=[len(texts)])
    tensor.contents.bytes_contents.extend(text.encode() for text in texts)
    return request


def refusal(call: object, request: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as refused:
        call(request)  # type: ignore[operator]
    return refused.value


def test_health_and_metadata(service: Served) -> None:
    triton = service.triton
    assert triton.is_server_live() and triton.is_server_ready()
    assert triton.is_model_ready(MODEL) and triton.is_model_ready(MODEL, SHIPPED_VERSION)
    assert triton.is_model_ready("tri-sentiment")
    server = triton.get_server_metadata()
    assert server.name == "imdb-sentiment" and server.version == "1.0.0"
    metadata = triton.get_model_metadata(MODEL, as_json=True)
    assert metadata == service.rest.get(f"/v2/models/{MODEL}").json() | {
        "inputs": [{"name": "text", "datatype": "BYTES", "shape": ["-1"]}],  # int64 in JSON
        "outputs": [
            {"name": name, "datatype": datatype, "shape": ["-1"]}
            for name, datatype in (
                ("probability", "FP32"), ("label", "BYTES"), ("tokens", "INT32"),
                ("truncated", "BOOL"),
            )
        ],
    }  # fmt: skip
    multiclass = triton.get_model_metadata("tri-sentiment")
    assert ("probabilities", [-1, 3]) in [(o.name, list(o.shape)) for o in multiclass.outputs]


def test_raw_contents_score_as_predict_does(service: Served) -> None:
    text = grpcclient.InferInput("text", [len(TEXTS)], "BYTES")
    text.set_data_from_numpy(np.array(TEXTS, dtype=object))
    result = service.triton.infer(MODEL, [text], request_id="req-7")
    response = result.get_response()
    assert response.id == "req-7" and response.model_version == SHIPPED_VERSION
    assert len(response.raw_output_contents) == 4  # raw in, raw out
    expected = predict(service, TEXTS)
    probability = result.as_numpy("probability")
    assert probability.dtype == np.float32 and probability.shape == (len(TEXTS),)
    np.testing.assert_allclose(probability, [p["score"] for p in expected], atol=1e-6)
    assert [label.decode() for label in result.as_numpy("label")] == [p["label"] for p in expected]
    assert result.as_numpy("tokens").tolist() == [p["tokens"] for p in expected]
    assert result.as_numpy("truncated").tolist() == [p["truncated"] for p in expected]


def test_typed_contents_are_answered_typed(service: Served) -> None:
    request = typed_request(TEXTS, id="typed")
    request.outputs.add(name="label")
    request.outputs.add(name="probability")
    response = service.stub.ModelInfer(request)
    assert not response.raw_output_contents and response.id == "typed"
    label, probability = response.outputs
    assert (label.name, label.datatype, list(label.shape)) == ("label", "BYTES", [len(TEXTS)])
    expected = predict(service, TEXTS)
    assert [v.decode() for v in label.contents.bytes_contents] == [p["label"] for p in expected]
    np.testing.assert_allclose(
        probability.contents.fp32_contents, [p["score"] for p in expected], atol=1e-6
    )


def test_binary_data_output_asks_for_raw_outputs(service: Served) -> None:
    request = typed_request(TEXTS[:1])
    request.parameters["binary_data_output"].bool_param = True
    response = service.stub.ModelInfer(request)
    assert len(response.raw_output_contents) == 4
    assert not any(output.HasField("contents") for output in response.outputs)


@pytest.mark.parametrize("raw", [True, False], ids=["raw", "typed"])
def test_two_models_by_name(service: Served, raw: bool) -> None:
    for model, output in ((MODEL, "probability"), ("tri-sentiment", "probabilities")):
        if raw:
            text = grpcclient.InferInput("text", [len(TEXTS), 1], "BYTES")
            text.set_data_from_numpy(np.array(TEXTS, dtype=object).reshape(-1, 1))
            wanted = [grpcclient.InferRequestedOutput(output)]
            scores = service.triton.infer(model, [text], outputs=wanted).as_numpy(output)
        else:
            request = typed_request(TEXTS, model_name=model)
            request.outputs.add(name=output)
            (tensor,) = service.stub.ModelInfer(request).outputs
            scores = np.reshape(tensor.contents.fp32_contents, list(tensor.shape))
        expected = predict(service, TEXTS, model)
        if model == MODEL:
            want = np.array([p["score"] for p in expected])
            assert scores.shape == ((len(TEXTS), 1) if raw else (len(TEXTS),))
            scores = scores.reshape(-1)
        else:
            want = np.array([list(p["scores"].values()) for p in expected])  # type: ignore[attr-defined]
            assert scores.shape == (len(TEXTS), 3)
        np.testing.assert_allclose(scores, want, atol=1e-6)


def test_unknown_model_or_version_is_not_found(service: Served) -> None:
    text = grpcclient.InferInput("text", [1], "BYTES")
    text.set_data_from_numpy(np.array(["fine"], dtype=object))
    with pytest.raises(InferenceServerException) as unknown:
        service.triton.infer("no-such-model", [text])
    assert unknown.value.status() == "StatusCode.NOT_FOUND"
    assert "unknown model" in str(unknown.value.message())
    for call, request in (
        (service.stub.ModelMetadata, service_pb2.ModelMetadataRequest(name="nope")),
        (service.stub.ModelReady, service_pb2.ModelReadyRequest(name=MODEL, version="0.0.1")),
        (service.stub.ModelInfer, typed_request(["fine"], model_version="0.0.1")),
    ):
        assert refusal(call, request).code() == grpc.StatusCode.NOT_FOUND


def _bad_requests() -> dict[str, service_pb2.ModelInferRequest]:
    cases = {
        "datatype": typed_request(["a"]),
        "name": typed_request(["a"]),
        "shape": typed_request(["a", "b"]),
        "count": typed_request(["a", "b"]),
        "empty text": typed_request(["  "]),
        "output": typed_request(["a"]),
        "not utf-8": service_pb2.ModelInferRequest(model_name=MODEL),
        "raw and typed": typed_request(["a"]),
        "raw per input": typed_request(["a"]),
    }
    cases["datatype"].inputs[0].datatype = "FP32"
    cases["name"].inputs[0].name = "review"
    cases["shape"].inputs[0].shape[:] = [1, 2]
    cases["count"].inputs[0].shape[:] = [3]
    cases["output"].outputs.add(name="sentiment")
    tensor = cases["not utf-8"].inputs.add(name="text", datatype="BYTES", shape=[1])
    tensor.contents.bytes_contents.append(b"\xff\xfe")
    cases["raw and typed"].raw_input_contents.append(b"\x01\x00\x00\x00a")
    cases["raw per input"].inputs[0].ClearField("contents")
    cases["raw per input"].raw_input_contents.extend([b"\x01\x00\x00\x00a"] * 2)
    return cases


@pytest.mark.parametrize("case", list(_bad_requests()))
def test_bad_tensors_are_invalid_arguments(service: Served, case: str) -> None:
    error = refusal(service.stub.ModelInfer, _bad_requests()[case])
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details()


def retry_after_seconds(error: grpc.RpcError) -> tuple[int, str]:
    """The retry delay of an error's google.rpc.RetryInfo, and its gRPC pushback trailer."""
    trailers = dict(error.trailing_metadata())  # type: ignore[attr-defined]
    rich = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    assert rich.code == error.code().value[0]
    (detail,) = rich.details
    retry = error_details_pb2.RetryInfo()
    assert detail.Unpack(retry)
    return retry.retry_delay.seconds, trailers["grpc-retry-pushback-ms"]


def test_a_full_queue_is_resource_exhausted_with_retry_info() -> None:
    with serving(max_queue_rows=2) as service:
        error = refusal(service.stub.ModelInfer, typed_request(["a", "b", "c"]))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "capacity" in str(error.details())
        assert retry_after_seconds(error) == (1, "1000")
        rest = service.rest.post("/predict", json={"texts": ["a", "b", "c"]})
        assert rest.status_code == 503 and rest.headers["retry-after"] == "1"


def test_past_the_deadline_is_deadline_exceeded() -> None:
    with serving(request_timeout_ms=1) as service:
        error = refusal(service.stub.ModelInfer, typed_request(["An endless film. " * 500] * 256))
        assert error.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_stopping_is_unavailable_with_retry_info(service: Served) -> None:
    state = service.state
    state.stop_requested = True  # a stop signal: not ready, but still answering
    try:
        assert not service.stub.ServerReady(service_pb2.ServerReadyRequest()).ready
        assert service.stub.ModelInfer(typed_request(["fine"])).outputs
        state.closing = True
        error = refusal(service.stub.ModelInfer, typed_request(["fine"]))
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        assert "shutting down" in str(error.details()) and retry_after_seconds(error)[0] == 1
        assert (
            refusal(service.stub.ModelReady, service_pb2.ModelReadyRequest(name=MODEL)).code()
            == grpc.StatusCode.UNAVAILABLE
        )
    finally:
        state.stop_requested = state.closing = False


def test_the_api_key_guards_inference() -> None:
    with serving(api_key=KEY) as service:
        error = refusal(service.stub.ModelInfer, typed_request(["a fine film"]))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        for metadata in ((("x-api-key", KEY),), (("authorization", f"Bearer {KEY}"),)):
            assert service.stub.ModelInfer(typed_request(["a fine film"]), metadata=metadata)
        wrong = (("x-api-key", "not-the-key-0123456789"),)
        with pytest.raises(grpc.RpcError) as refused:
            service.stub.ModelInfer(typed_request(["a fine film"]), metadata=wrong)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert service.triton.get_model_metadata(MODEL)  # metadata is open, as over REST


def test_a_stop_lets_calls_in_flight_finish_and_refuses_new_ones() -> None:
    """The lifespan's end stops the gRPC server: a call already queued in the batcher is
    answered, while a new call is refused, before the batcher closes."""
    port = free_port()
    # inline_rows=0: the held model stands for a busy inference thread (on the event loop's
    # thread it would stop the service)
    rest = TestClient(create_app(make_settings(grpc_port=port, inline_rows=0)))
    rest.__enter__()
    state: ServiceState = rest.app.state.service  # type: ignore[attr-defined]
    assert state.batcher is not None and rest.portal is not None
    running, release = threading.Event(), threading.Event()

    def hold(texts: object) -> list[None]:  # keeps the batcher's one worker busy
        running.set()
        release.wait(30)
        return [None]

    rest.portal.start_task_soon(state.batcher.predict, hold, ["hold"])
    assert running.wait(30)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
    in_flight = stub.ModelInfer.future(typed_request(TEXTS))
    eventually(lambda: state.batcher is not None and state.batcher.queued_texts, what="queued")
    stopping = threading.Thread(target=rest.__exit__, args=(None, None, None))
    stopping.start()
    try:

        def refused() -> bool:
            fresh = grpc.insecure_channel(f"127.0.0.1:{port}")
            try:
                service_pb2_grpc.GRPCInferenceServiceStub(fresh).ServerLive(
                    service_pb2.ServerLiveRequest(), timeout=1
                )
            except grpc.RpcError as error:
                return error.code() == grpc.StatusCode.UNAVAILABLE
            finally:
                fresh.close()
            return False

        eventually(refused, what="new calls refused")
        assert not in_flight.done()
    finally:
        release.set()
    response = in_flight.result(timeout=30)
    assert [o.name for o in response.outputs] == ["probability", "label", "tokens", "truncated"]
    stopping.join(30)
    assert not stopping.is_alive()
    channel.close()


def test_a_request_id_is_kept_or_made_and_answered_in_the_trailers(service: Served) -> None:
    given = "grpc-4bf92f3577b34da6"
    _, call = service.stub.ModelInfer.with_call(
        typed_request(["A fine film."]), metadata=(("x-request-id", given),)
    )
    assert dict(call.trailing_metadata())["x-request-id"] == given
    _, call = service.stub.ModelInfer.with_call(
        typed_request(["A fine film."]), metadata=(("x-request-id", "x" * 200),)
    )
    made = dict(call.trailing_metadata())["x-request-id"]
    assert made != "x" * 200 and len(made) == 32
    with pytest.raises(grpc.RpcError) as refused:
        service.stub.ModelInfer(
            typed_request(["A fine film."], model_name="no-such-model"),
            metadata=(("x-request-id", given),),
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert dict(refused.value.trailing_metadata())["x-request-id"] == given
    assert given in refused.value.details()
