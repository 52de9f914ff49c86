"""The Open Inference Protocol (KServe V2) over REST, with the binary tensor data extension.

Inference goes through the same batcher, bundle and deadline as ``/predict`` (and needs the
same API key); errors are ``{"error": "..."}`` as the protocol has them. Every model route
also exists under ``/versions/{model_version}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from app.api.deps import Serving, ServingDep, StateDep
from app.api.open_inference import bodies, served, tensors
from app.api.scoring import log_predictions, note_texts, score
from app.inference.pipeline import SentimentClassifier

router = APIRouter(prefix="/v2", tags=["open inference protocol (v2)"])
inference_router = APIRouter(prefix="/v2", tags=["open inference protocol (v2)"])

MODEL = "/models/{model_name}"
VERSIONED = "/models/{model_name}/versions/{model_version}"
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": bodies.V2Error, "description": "no such model or version"},
    503: {"model": bodies.V2Error, "description": "the model is loading, or shutting down"},
}


async def _model(serving: ServingDep, model_name: str) -> SentimentClassifier:
    """The served model the path names; 404 otherwise (``serving``: 503 until the models are
    loaded)."""
    return served.find_model(serving.state, serving.default, model_name)


async def _model_version(
    serving: ServingDep, model_name: str, model_version: str
) -> SentimentClassifier:
    """The served classifier, if the path names its version too; 404 otherwise."""
    return served.find_model(serving.state, serving.default, model_name, model_version)


@router.get("", response_model=bodies.ServerMetadata)
async def server_metadata(request: Request) -> bodies.ServerMetadata:
    """The server's name, version and protocol extensions."""
    return served.server_metadata(request.app.version)


@router.get("/health/live", response_model=bodies.Liveness)
async def server_live() -> bodies.Liveness:
    """200 while the process runs."""
    return bodies.Liveness(live=True)


@router.get(
    "/health/ready",
    response_model=bodies.Readiness,
    responses={503: {"model": bodies.Readiness, "description": "loading or shutting down"}},
)
async def server_ready(state: StateDep, response: Response) -> bodies.Readiness:
    """200 once the model serves; 503 while loading or shutting down."""
    ready = served.server_ready(state)
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return bodies.Readiness(ready=ready)


def _infer_docs() -> dict[str, Any]:
    """The request body as the docs show it; ``app.api.openapi`` puts in the schema of the
    running settings' limits."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {}},
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"},
                    "description": f"binary tensor data: the JSON request (its length in the"
                    f" {bodies.HEADER_LENGTH} header), then the tensors' bytes",
                },
            },
        }
    }


ModelDep = Annotated[SentimentClassifier, Depends(_model)]
VersionDep = Annotated[SentimentClassifier, Depends(_model_version)]


@router.get(MODEL, response_model=bodies.ModelMetadata, responses=_ERRORS)
async def model_metadata(classifier: ModelDep) -> bodies.ModelMetadata:
    """The model's versions, platform, input and outputs."""
    manifest = classifier.manifest
    return bodies.model_metadata(manifest.name, manifest.version, len(manifest.labels))


@router.get(VERSIONED, response_model=bodies.ModelMetadata, responses=_ERRORS)
async def version_metadata(classifier: VersionDep) -> bodies.ModelMetadata:
    """The model's versions, platform, input and outputs, if it is this version."""
    manifest = classifier.manifest
    return bodies.model_metadata(manifest.name, manifest.version, len(manifest.labels))


@router.get(MODEL + "/ready", response_model=bodies.ModelReadiness, responses=_ERRORS)
async def model_ready(classifier: ModelDep) -> bodies.ModelReadiness:
    """200 when the model is ready for inference (503 while it loads)."""
    return bodies.ModelReadiness(name=classifier.manifest.name, ready=True)


@router.get(VERSIONED + "/ready", response_model=bodies.ModelReadiness, responses=_ERRORS)
async def version_ready(classifier: VersionDep) -> bodies.ModelReadiness:
    """200 when this version of the model is ready for inference (503 while it loads)."""
    return bodies.ModelReadiness(name=classifier.manifest.name, ready=True)


_INFER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary"},
                "description": f"binary outputs: the JSON answer (length in the"
                f" {bodies.HEADER_LENGTH} header), then the outputs' bytes",
            }
        }
    },
    400: {"model": bodies.V2Error, "description": "not a valid tensor, datatype or shape"},
    401: {"model": bodies.V2Error, "description": "API key missing or wrong (when one is set)"},
    413: {"model": bodies.V2Error, "description": "request body over the byte limit"},
    415: {"model": bodies.V2Error, "description": "not JSON nor binary tensor data"},
    504: {"model": bodies.V2Error, "description": "not answered within the request deadline"},
    **_ERRORS,
}


async def _infer(request: Request, classifier: SentimentClassifier, serving: Serving) -> Response:
    """What both infer routes answer, for the model their path names."""
    settings = serving.settings
    tensors.check_media_type(
        request.headers.get("content-type"), request.headers.get("content-encoding")
    )
    call = tensors.read_request(
        await request.body(),
        request.headers.get(bodies.HEADER_LENGTH.lower()),
        settings,
        classifier.manifest.multiclass,
    )
    note_texts(request, call.texts, settings)
    predictions = await score(call.texts, classifier, serving.batcher, settings)
    log_predictions(request, classifier, call.texts, predictions)
    manifest = classifier.manifest
    body, header_length = tensors.write_response(call, predictions, manifest.name, manifest.version)
    if header_length is None:
        return Response(body, media_type="application/json")
    return Response(
        body,
        media_type="application/octet-stream",
        headers={bodies.HEADER_LENGTH: str(header_length)},
    )


async def infer(request: Request, classifier: ModelDep, serving: ServingDep) -> Response:
    """Label, probability of being positive (or, for more than two labels, of every label),
    tokens read and truncation for each text of the BYTES input ``text`` (shape [n] or [n, 1]),
    as JSON or binary tensors."""
    return await _infer(request, classifier, serving)


async def infer_version(request: Request, classifier: VersionDep, serving: ServingDep) -> Response:
    """Label, probability of being positive (or, for more than two labels, of every label),
    tokens read and truncation for each text of the BYTES input ``text`` (shape [n] or [n, 1]),
    as JSON or binary tensors, if the model has this version."""
    return await _infer(request, classifier, serving)


for _path, _handler in ((MODEL, infer), (VERSIONED, infer_version)):
    inference_router.add_api_route(
        _path + "/infer",
        _handler,
        methods=["POST"],
        name=_handler.__name__,
        response_model=bodies.InferResponse,
        openapi_extra=_infer_docs(),
        responses=_INFER_RESPONSES,
    )
