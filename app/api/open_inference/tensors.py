"""Reading and writing the Open Inference Protocol's tensors, in JSON and in the binary
tensor data extension.

With an ``Inference-Header-Content-Length: N`` header, the first N bytes of the body are the
JSON request, and the rest hold the tensors whose ``parameters.binary_data_size`` is set, in
input order (a BYTES element is a 4-byte little-endian length and its bytes). Outputs asked
for with ``parameters.binary_data`` (or ``binary_data_output`` for all) are answered the same
way.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi import HTTPException, status
from pydantic import ValidationError

from app.api.open_inference.bodies import (
    HEADER_LENGTH,
    INPUT,
    InferRequest,
    RequestInput,
    outputs_of,
)
from app.api.schemas import HAS_CONTENT
from app.core.config import Settings
from app.inference.pipeline import Prediction

_HAS_CONTENT = re.compile(HAS_CONTENT)


@dataclass(frozen=True)
class InferCall:
    """A checked request: its texts, the shape they came in, and what to answer."""

    request_id: str | None
    texts: list[str]
    shape: list[int]
    outputs: list[tuple[str, bool]]  # (output name, answered in binary)


def bad_request(message: str) -> HTTPException:
    return HTTPException(status.HTTP_400_BAD_REQUEST, message)


def check_media_type(content_type: str | None, content_encoding: str | None) -> None:
    """415 unless the body is JSON or the binary form (tritonclient sends no Content-Type)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    known = media_type in ("", "application/json", "application/octet-stream")
    if not known and not media_type.endswith("+json"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json, or as application/octet-stream with"
            f" {HEADER_LENGTH} (binary tensor data); got {media_type!r}",
        )
    if content_encoding not in (None, "", "identity"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Content-Encoding {content_encoding!r} is not supported; send the body uncompressed",
        )


def read_request(
    body: bytes, header_length: str | None, settings: Settings, multiclass: bool = False
) -> InferCall:
    """Parse and check an infer request body for a model with two labels (or more, with
    ``multiclass``); 400 naming the first problem."""
    if header_length is None:
        header, binary = body, b""
    else:
        if not header_length.isdigit() or not 0 < int(header_length) <= len(body):
            raise bad_request(
                f"{HEADER_LENGTH} must be the byte length of the JSON part (1-{len(body)});"
                f" got {header_length!r}"
            )
        header, binary = body[: int(header_length)], body[int(header_length) :]
    try:
        request = InferRequest.model_validate_json(header)
    except ValidationError as error:
        raise bad_request(f"not an inference request: {_first_problem(error)}") from None
    texts, shape = _read_input(request.inputs, binary, settings)
    return InferCall(request.id, texts, shape, _requested_outputs(request, outputs_of(multiclass)))


def _first_problem(error: ValidationError) -> str:
    problem = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}" if where else problem["msg"]


def _read_input(
    inputs: Sequence[RequestInput], binary: bytes, settings: Settings
) -> tuple[list[str], list[int]]:
    check_input_names([tensor.name for tensor in inputs])
    tensor = inputs[0]
    count = texts_announced(tensor.datatype, tensor.shape, settings)
    size = tensor.parameters.binary_data_size if tensor.parameters is not None else None
    if size is not None:
        if tensor.data is not None:
            raise bad_request(f"input {INPUT!r} has both data and binary_data_size")
        if size != len(binary):
            raise bad_request(
                f"binary_data_size is {size} but {len(binary)} bytes follow the JSON part"
            )
        texts = read_bytes_elements(binary)
    else:
        if binary:
            raise bad_request(f"{len(binary)} bytes follow the JSON part, but no binary_data_size")
        if tensor.data is None:
            raise bad_request(f"input {INPUT!r} has no data (nor binary_data_size)")
        texts = _flatten(tensor.data)
    check_texts(texts, count, tensor.shape, settings)
    return texts, tensor.shape


def check_input_names(names: Sequence[str]) -> None:
    """400 unless the request has the model's one input (REST and gRPC both check here)."""
    if len(names) != 1 or names[0] != INPUT:
        raise bad_request(f"the model takes one input named {INPUT!r}; got {list(names)}")


def texts_announced(datatype: str, shape: Sequence[int], settings: Settings) -> int:
    """The number of texts an input of this datatype and shape holds, if it is a BYTES tensor
    of shape [n] or [n, 1] within the request limit; 400 otherwise."""
    if datatype != "BYTES":
        raise bad_request(f"input {INPUT!r} must be BYTES (UTF-8 texts); got {datatype!r}")
    if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)) or shape[0] < 1:
        raise bad_request(
            f"input {INPUT!r} must have shape [n] or [n, 1] with n >= 1; got {list(shape)}"
        )
    count = shape[0]
    if count > settings.max_texts_per_request:
        raise bad_request(f"{count} texts; at most {settings.max_texts_per_request} per request")
    return count


def check_texts(texts: Sequence[str], count: int, shape: Sequence[int], settings: Settings) -> None:
    """400 unless there are ``count`` texts (as ``shape`` says), each within the length limit
    and with some content."""
    if len(texts) != count:
        raise bad_request(f"shape {list(shape)} holds {count} texts; the data has {len(texts)}")
    for index, text in enumerate(texts):
        if len(text) > settings.max_text_chars:
            raise bad_request(
                f"text {index} has {len(text)} characters; at most {settings.max_text_chars}"
            )
        if _HAS_CONTENT.search(text) is None:
            raise bad_request(f"text {index} is empty or only whitespace")


def _flatten(data: Sequence[str | list[str]]) -> list[str]:
    texts: list[str] = []
    for element in data:
        if isinstance(element, str):
            texts.append(element)
        elif len(element) == 1:
            texts.append(element[0])
        else:
            raise bad_request("data rows of an [n, 1] tensor hold one text each")
    return texts


def read_bytes_elements(buffer: bytes) -> list[str]:
    """A BYTES tensor in the binary form: each element a uint32 LE length, then its bytes."""
    texts: list[str] = []
    offset = 0
    while offset < len(buffer):
        if offset + 4 > len(buffer):
            raise bad_request(f"binary data ends inside an element's length at byte {offset}")
        (length,) = struct.unpack_from("<I", buffer, offset)
        offset += 4
        if offset + length > len(buffer):
            raise bad_request(f"binary element at byte {offset - 4} runs past the data")
        texts.append(decode_text(buffer[offset : offset + length], len(texts)))
        offset += length
    return texts


def decode_text(element: bytes, index: int) -> str:
    """A BYTES element as text; 400 unless it is UTF-8."""
    try:
        return element.decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request(f"binary element {index} is not UTF-8 (byte {error.start})") from None


def _requested_outputs(request: InferRequest, served: dict[str, str]) -> list[tuple[str, bool]]:
    all_binary = bool(request.parameters and request.parameters.binary_data_output)
    asked = [
        (output.name, output.parameters.binary_data if output.parameters else None)
        for output in request.outputs or []
    ]
    return choose_outputs(asked, all_binary, served)


def choose_outputs(
    asked: Sequence[tuple[str, bool | None]], all_binary: bool, served: dict[str, str]
) -> list[tuple[str, bool]]:
    """The outputs to answer and whether each is binary: those ``asked`` for by name (each
    binary as it says, else as ``all_binary``), or every ``served`` one; 400 for an unknown
    name."""
    if not asked:
        return [(name, all_binary) for name in served]
    outputs = []
    for name, binary in asked:
        if name not in served:
            raise bad_request(f"unknown output {name!r}; the model has {list(served)}")
        outputs.append((name, all_binary if binary is None else binary))
    return outputs


@dataclass(frozen=True)
class OutputTensor:
    """One output of an answer: its values flattened row by row."""

    name: str
    datatype: str
    shape: list[int]
    values: list[Any]
    binary: bool


def output_tensors(call: InferCall, predictions: Sequence[Prediction]) -> list[OutputTensor]:
    """The outputs ``call`` asked for, built from ``predictions``. ``probabilities`` (more than
    two labels) has shape [n, labels], flattened row by row."""
    columns: dict[str, Callable[[], list[Any]]] = {
        "probability": lambda: [p.score for p in predictions],
        "probabilities": lambda: [v for p in predictions for v in (p.scores or {}).values()],
        "label": lambda: [p.label for p in predictions],
        "tokens": lambda: [p.tokens for p in predictions],
        "truncated": lambda: [p.truncated for p in predictions],
    }
    datatypes = {**outputs_of(False), **outputs_of(True)}
    tensors = []
    for name, binary in call.outputs:
        values = columns[name]()  # only the outputs asked for are built
        shape = call.shape
        if name == "probabilities":
            shape = [len(predictions), len(values) // max(1, len(predictions))]
        tensors.append(OutputTensor(name, datatypes[name], shape, values, binary))
    return tensors


def write_response(
    call: InferCall, predictions: Sequence[Prediction], model_name: str, model_version: str
) -> tuple[bytes, int | None]:
    """The answer body, and the length of its JSON part when binary tensors follow it."""
    outputs: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    for tensor in output_tensors(call, predictions):
        output: dict[str, Any] = {
            "name": tensor.name,
            "datatype": tensor.datatype,
            "shape": tensor.shape,
        }
        if tensor.binary:
            chunk = binary_form(tensor.datatype, tensor.values)
            output["parameters"] = {"binary_data_size": len(chunk)}
            chunks.append(chunk)
        else:
            output["data"] = tensor.values
        outputs.append(output)
    answer: dict[str, Any] = {"model_name": model_name, "model_version": model_version}
    if call.request_id is not None:
        answer["id"] = call.request_id
    answer["outputs"] = outputs
    header = json.dumps(answer, ensure_ascii=False).encode()
    if not chunks:
        return header, None
    return header + b"".join(chunks), len(header)


def binary_form(datatype: str, values: list[Any]) -> bytes:
    """Values in the binary tensor form, which gRPC's raw contents share: little-endian,
    a BOOL one byte, a BYTES element its uint32 length and its UTF-8 bytes."""
    if datatype == "FP32":
        return np.asarray(values, dtype="<f4").tobytes()
    if datatype == "INT32":
        return np.asarray(values, dtype="<i4").tobytes()
    if datatype == "BOOL":
        return np.asarray(values, dtype=np.bool_).tobytes()
    encoded = [str(value).encode() for value in values]
    return b"".join(struct.pack("<I", len(item)) + item for item in encoded)
