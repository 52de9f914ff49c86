"""The Open Inference Protocol over gRPC: KServe's ``inference.GRPCInferenceService``.

Each call answers what its REST route answers (``app.api.routes.v2``), through the same model
lookup, checks, batcher, queue bound, deadline and API key, and its errors are the REST
errors given the gRPC status code that means the same:

    400 INVALID_ARGUMENT    401 UNAUTHENTICATED    404 NOT_FOUND    504 DEADLINE_EXCEEDED
    503 queue full: RESOURCE_EXHAUSTED    503 loading or shutting down: UNAVAILABLE

A refusal that REST sends with ``Retry-After`` carries its retry delay the two ways gRPC
clients read one: ``google.rpc.RetryInfo`` in the ``grpc-status-details-bin`` trailer (the
richer error model, AIP-193) and ``grpc-retry-pushback-ms`` (gRPC's own retry policy, gRFC A6).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from fastapi import HTTPException, status
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from app.api.deps import api_key_in, api_key_matches, serving
from app.api.errors import RETRY_AFTER_S, RetryLater
from app.api.open_inference import bodies, grpc_tensors, served
from app.api.open_inference.vendor import grpc_predict_v2_pb2 as pb
from app.api.open_inference.vendor.grpc_predict_v2_pb2_grpc import GRPCInferenceServiceServicer
from app.api.scoring import score
from app.core.config import Settings
from app.core.request_id import accepted_or_new, reset_request_id, set_request_id
from app.inference.pipeline import SentimentClassifier
from app.runtime.state import ServiceState

log = logging.getLogger("app")

Answer = TypeVar("Answer")
REQUEST_ID_KEY = "x-request-id"  # gRPC metadata keys are lower case

Handler = Callable[[Any, Any, grpc.aio.ServicerContext], Awaitable[Answer]]

_CODES = {
    status.HTTP_400_BAD_REQUEST: grpc.StatusCode.INVALID_ARGUMENT,
    status.HTTP_401_UNAUTHORIZED: grpc.StatusCode.UNAUTHENTICATED,
    status.HTTP_404_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    status.HTTP_503_SERVICE_UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    status.HTTP_504_GATEWAY_TIMEOUT: grpc.StatusCode.DEADLINE_EXCEEDED,
}


def status_code(error: HTTPException) -> grpc.StatusCode:
    """The gRPC status code of a REST error."""
    if isinstance(error, RetryLater) and error.overloaded:
        return grpc.StatusCode.RESOURCE_EXHAUSTED
    return _CODES.get(error.status_code, grpc.StatusCode.UNKNOWN)


def error_trailers(code: grpc.StatusCode, message: str, retry: bool) -> tuple[tuple[str, Any], ...]:
    """The trailing metadata of an error: with ``retry``, when to retry."""
    if not retry:
        return ()
    retry_info = error_details_pb2.RetryInfo(
        retry_delay=duration_pb2.Duration(seconds=RETRY_AFTER_S)
    )
    detail = any_pb2.Any()
    detail.Pack(retry_info)
    rich = status_pb2.Status(code=code.value[0], message=message, details=[detail])
    return (
        ("grpc-status-details-bin", rich.SerializeToString()),
        ("grpc-retry-pushback-ms", str(RETRY_AFTER_S * 1000)),
    )


async def _abort(context: grpc.aio.ServicerContext, error: HTTPException, request_id: str) -> None:
    """End the call with the gRPC form of ``error`` (``context.abort`` raises); the detail
    names the request ID, as REST's error bodies do."""
    code = status_code(error)
    detail = f"{error.detail} (request ID {request_id})"
    trailers = error_trailers(code, detail, isinstance(error, RetryLater))
    await context.abort(code, detail, trailing_metadata=(*trailers, (REQUEST_ID_KEY, request_id)))


def _request_id(context: grpc.aio.ServicerContext) -> str:
    """The caller's ``x-request-id`` metadata when it is safe to echo and log, else a new ID."""
    given = dict(context.invocation_metadata() or ()).get(REQUEST_ID_KEY)
    return accepted_or_new(given.encode() if isinstance(given, str) else given)


def _answers_errors(handler: Handler[Answer]) -> Handler[Answer]:
    """The handler with REST's errors answered as gRPC status codes, and any other failure as
    INTERNAL with no detail (the trace goes to the log)."""

    @functools.wraps(handler)
    async def answered(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Answer:
        request_id = _request_id(context)
        token = set_request_id(request_id)  # read by the batcher, the logs and the traces
        try:
            context.set_trailing_metadata(((REQUEST_ID_KEY, request_id),))
            return await handler(self, request, context)
        except HTTPException as error:
            await _abort(context, error, request_id)
        except Exception:
            log.exception("unhandled error in gRPC %s", handler.__name__)
            await context.abort(
                grpc.StatusCode.INTERNAL,
                f"internal error; it has been logged (request ID {request_id})",
                trailing_metadata=((REQUEST_ID_KEY, request_id),),
            )
        finally:
            reset_request_id(token)
        raise AssertionError("context.abort raises")

    return answered


def _tensor_metadata(tensors: list[bodies.TensorMetadata]) -> list[Any]:
    return [
        pb.ModelMetadataResponse.TensorMetadata(
            name=tensor.name, datatype=tensor.datatype, shape=tensor.shape
        )
        for tensor in tensors
    ]


class InferenceService(GRPCInferenceServiceServicer):
    """The service's state answered over gRPC. ``version`` is the server's, as ``GET /v2``
    reports it."""

    def __init__(self, state: ServiceState, settings: Settings, version: str) -> None:
        self._state = state
        self._settings = settings
        self._version = version

    def _model(self, name: str, version: str) -> SentimentClassifier:
        default, _ = serving(self._state)
        return served.find_model(self._state, default, name, version)

    async def ServerLive(self, request: Any, context: Any) -> pb.ServerLiveResponse:  # noqa: N802
        return pb.ServerLiveResponse(live=True)

    async def ServerReady(self, request: Any, context: Any) -> pb.ServerReadyResponse:  # noqa: N802
        return pb.ServerReadyResponse(ready=served.server_ready(self._state))

    async def ServerMetadata(self, request: Any, context: Any) -> pb.ServerMetadataResponse:  # noqa: N802
        metadata = served.server_metadata(self._version)
        return pb.ServerMetadataResponse(**metadata.model_dump())

    @_answers_errors
    async def ModelReady(  # noqa: N802
        self, request: pb.ModelReadyRequest, context: grpc.aio.ServicerContext
    ) -> pb.ModelReadyResponse:
        self._model(request.name, request.version)
        return pb.ModelReadyResponse(ready=True)

    @_answers_errors
    async def ModelMetadata(  # noqa: N802
        self, request: pb.ModelMetadataRequest, context: grpc.aio.ServicerContext
    ) -> pb.ModelMetadataResponse:
        manifest = self._model(request.name, request.version).manifest
        metadata = bodies.model_metadata(manifest.name, manifest.version, len(manifest.labels))
        return pb.ModelMetadataResponse(
            name=metadata.name,
            versions=metadata.versions,
            platform=metadata.platform,
            inputs=_tensor_metadata(metadata.inputs),
            outputs=_tensor_metadata(metadata.outputs),
        )

    @_answers_errors
    async def ModelInfer(  # noqa: N802
        self, request: pb.ModelInferRequest, context: grpc.aio.ServicerContext
    ) -> pb.ModelInferResponse:
        self._check_api_key(context)
        classifier = self._model(request.model_name, request.model_version)
        _, batcher = serving(self._state)
        manifest = classifier.manifest
        call = grpc_tensors.read_request(request, self._settings, manifest.multiclass)
        predictions = await score(call.texts, classifier, batcher, self._settings)
        return grpc_tensors.write_response(call, predictions, manifest.name, manifest.version)

    def _check_api_key(self, context: grpc.aio.ServicerContext) -> None:
        """401 (UNAUTHENTICATED) unless the call's metadata carries the key, as ``x-api-key``
        or ``authorization: Bearer KEY``, when one is configured."""
        metadata = {key: str(value) for key, value in context.invocation_metadata() or ()}
        if not api_key_matches(self._settings, api_key_in(metadata)):  # read as over REST
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing or wrong API key (send it in the x-api-key metadata)",
            )
