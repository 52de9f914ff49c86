"""The Open Inference Protocol (KServe V2) for this model: its names and bodies.

The model takes one ``BYTES`` input ``text`` of shape ``[n]`` or ``[n, 1]`` (UTF-8 reviews)
and answers four outputs of the same shape: ``probability`` (FP32, of the positive label),
``label`` (BYTES), ``tokens`` (INT32, tokens the model read) and ``truncated`` (BOOL). A model
with more than two labels answers ``probabilities`` (FP32, shape ``[n, labels]``: each text's
probability of every label, in the model's label order) instead of ``probability``. The
request's JSON part is read with these models; ``request_schema`` is what the docs show.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import HAS_CONTENT, POSITIVE_EXAMPLE, REQUEST_ID_DESCRIPTION
from app.core.config import Settings

HEADER_LENGTH = "Inference-Header-Content-Length"
BINARY_EXTENSION = "binary_tensor_data"
INPUT = "text"
OUTPUTS = {"probability": "FP32", "label": "BYTES", "tokens": "INT32", "truncated": "BOOL"}
MULTICLASS_OUTPUTS = {
    "probabilities": "FP32",
    **{name: datatype for name, datatype in OUTPUTS.items() if name != "probability"},
}


def outputs_of(multiclass: bool) -> dict[str, str]:
    """The outputs a model answers, by name, with their datatypes."""
    return MULTICLASS_OUTPUTS if multiclass else OUTPUTS


PLATFORM = "onnxruntime_onnx"


class TensorMetadata(BaseModel):
    name: str
    datatype: str
    shape: list[int]


class ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]


class ModelMetadata(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]


class Liveness(BaseModel):
    live: bool


class Readiness(BaseModel):
    ready: bool


class ModelReadiness(BaseModel):
    name: str
    ready: bool


class V2Error(BaseModel):
    error: str
    request_id: str = Field(description=REQUEST_ID_DESCRIPTION)


class _Parameters(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class TensorParameters(_Parameters):
    binary_data_size: int | None = Field(
        None, ge=0, description="bytes of this tensor's data after the JSON part (binary form)"
    )


class RequestInput(BaseModel):
    model_config = ConfigDict(strict=True)

    name: str = Field(description=f"the model's one input, {INPUT!r}")
    shape: list[int] = Field(description="[n] or [n, 1]: n texts")
    datatype: str = Field(description="BYTES")
    parameters: TensorParameters | None = None
    data: list[str | list[str]] | None = Field(
        None, description="the texts, flat or as [n, 1] rows; absent in the binary form"
    )


class OutputParameters(_Parameters):
    binary_data: bool | None = Field(None, description="answer this output in the binary form")


class RequestOutput(BaseModel):
    model_config = ConfigDict(strict=True)

    name: str
    parameters: OutputParameters | None = None


class RequestParameters(_Parameters):
    binary_data_output: bool | None = Field(
        None, description="answer every output in the binary form"
    )


class InferRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    id: str | None = Field(None, description="echoed in the answer")
    parameters: RequestParameters | None = None
    inputs: list[RequestInput]
    outputs: list[RequestOutput] | None = Field(None, description="default: all four")


class ResponseOutput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    parameters: dict[str, Any] | None = None
    data: list[Any] | None = None


class InferResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model_name: str
    model_version: str
    id: str | None = None
    outputs: list[ResponseOutput]


def model_metadata(name: str, version: str, labels: int = 2) -> ModelMetadata:
    """A model's metadata; ``labels`` above 2 gives the multiclass outputs."""
    multiclass = labels > 2
    return ModelMetadata(
        name=name,
        versions=[version],
        platform=PLATFORM,
        inputs=[TensorMetadata(name=INPUT, datatype="BYTES", shape=[-1])],
        outputs=[
            TensorMetadata(
                name=output,
                datatype=datatype,
                shape=[-1, labels] if output == "probabilities" else [-1],
            )
            for output, datatype in outputs_of(multiclass).items()
        ],
    )


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _output_schema() -> dict[str, Any]:
    """An output a request asks for, and whether in binary."""
    return {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "enum": list({**OUTPUTS, **MULTICLASS_OUTPUTS})},
            "parameters": _nullable(
                {"type": "object", "properties": {"binary_data": _nullable({"type": "boolean"})}}
            ),
        },
    }


def request_schema(settings: Settings) -> dict[str, Any]:
    """The JSON part of an infer request as the docs (and fuzzers) see it: every rule a JSON
    schema can state. Two it cannot: the data holds as many texts as the shape says, and
    ``binary_data_size`` matches the bytes after the JSON part (both answered with 400)."""
    return {
        "type": "object",
        "required": ["inputs"],
        "properties": {
            "id": _nullable({"type": "string", "description": "echoed in the answer"}),
            "parameters": _nullable(
                {
                    "type": "object",
                    "properties": {"binary_data_output": _nullable({"type": "boolean"})},
                }
            ),
            "inputs": {
                "type": "array",
                "items": _input_tensor_schema(settings),
                "minItems": 1,
                "maxItems": 1,
            },
            "outputs": _nullable(
                {"type": "array", "items": _output_schema(), "description": "default: all four"}
            ),
        },
        "examples": [
            {
                "id": "42",
                "inputs": [
                    {"name": INPUT, "shape": [1], "datatype": "BYTES", "data": [POSITIVE_EXAMPLE]}
                ],
            }
        ],
    }


def _input_tensor_schema(settings: Settings) -> dict[str, Any]:
    """The one input tensor: the texts, within the request limits of ``settings``."""
    text = {"type": "string", "pattern": HAS_CONTENT, "maxLength": settings.max_text_chars}
    limit = settings.max_texts_per_request
    return {
        "type": "object",
        "required": ["name", "shape", "datatype"],
        "properties": {
            "name": {"type": "string", "enum": [INPUT]},
            "shape": {
                "type": "array",
                "prefixItems": [
                    {"type": "integer", "minimum": 1, "maximum": limit},
                    {"type": "integer", "enum": [1]},
                ],
                "items": False,
                "minItems": 1,
                "description": "[n] or [n, 1]: n texts",
            },
            "datatype": {"type": "string", "enum": ["BYTES"]},
            "parameters": _nullable(
                {
                    "type": "object",
                    "properties": {
                        "binary_data_size": _nullable({"type": "integer", "minimum": 0})
                    },
                }
            ),
            "data": _nullable(
                {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": limit,
                    "items": {
                        "anyOf": [
                            text,
                            {"type": "array", "items": text, "minItems": 1, "maxItems": 1},
                        ]
                    },
                    "description": "the texts, flat or as [n, 1] rows; absent in the binary form",
                }
            ),
        },
    }
