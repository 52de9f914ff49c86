"""Reading a gRPC ``ModelInferRequest`` and writing its ``ModelInferResponse``, with the checks
and outputs of the REST form (``tensors``), so both forms refuse and answer alike.

The texts come as typed contents (``contents.bytes_contents``, one element per text) or as raw
contents (``raw_input_contents``: the binary form of REST's binary extension). The outputs are
raw when the inputs were, or when the request asks for ``binary_data_output`` (or any output's
``binary_data``); typed otherwise. The protocol does not allow a mix in one response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.api.open_inference.bodies import outputs_of
from app.api.open_inference.tensors import (
    InferCall,
    bad_request,
    binary_form,
    check_input_names,
    check_texts,
    choose_outputs,
    decode_text,
    output_tensors,
    read_bytes_elements,
    texts_announced,
)
from app.api.open_inference.vendor import grpc_predict_v2_pb2 as pb
from app.core.config import Settings
from app.inference.pipeline import Prediction

# The typed contents' field of each datatype the model answers.
_CONTENTS = {
    "FP32": "fp32_contents",
    "INT32": "int_contents",
    "BOOL": "bool_contents",
    "BYTES": "bytes_contents",
}


def read_request(
    request: pb.ModelInferRequest, settings: Settings, multiclass: bool = False
) -> InferCall:
    """The checked texts and requested outputs of ``request``; 400 naming the first problem."""
    check_input_names([tensor.name for tensor in request.inputs])
    tensor = request.inputs[0]
    shape = list(tensor.shape)
    count = texts_announced(tensor.datatype, shape, settings)
    raw = request.raw_input_contents
    if raw:
        if len(raw) != len(request.inputs):
            raise bad_request(
                f"{len(raw)} raw_input_contents for {len(request.inputs)} inputs; one per input"
            )
        if tensor.HasField("contents"):
            raise bad_request("input 'text' has both contents and raw_input_contents")
        texts = read_bytes_elements(raw[0])
    else:
        elements = tensor.contents.bytes_contents
        texts = [decode_text(element, index) for index, element in enumerate(elements)]
    check_texts(texts, count, shape, settings)
    asked = [(output.name, _flag(output.parameters, "binary_data")) for output in request.outputs]
    raw_outputs = bool(raw) or bool(_flag(request.parameters, "binary_data_output"))
    outputs = choose_outputs(asked, raw_outputs, outputs_of(multiclass))
    if any(binary for _, binary in outputs):  # raw for one output is raw for all
        outputs = [(name, True) for name, _ in outputs]
    return InferCall(request.id or None, texts, shape, outputs)


def _flag(parameters: Mapping[str, pb.InferParameter], name: str) -> bool | None:
    """A boolean parameter, or None when it is not given as one."""
    parameter = parameters.get(name)
    if parameter is None or parameter.WhichOneof("parameter_choice") != "bool_param":
        return None
    return parameter.bool_param


def write_response(
    call: InferCall, predictions: Sequence[Prediction], model_name: str, model_version: str
) -> pb.ModelInferResponse:
    """The answer to ``call``: the outputs it asked for, raw or typed as it asked."""
    response = pb.ModelInferResponse(
        model_name=model_name, model_version=model_version, id=call.request_id or ""
    )
    for tensor in output_tensors(call, predictions):
        output = response.outputs.add(name=tensor.name, datatype=tensor.datatype)
        output.shape.extend(tensor.shape)
        if tensor.binary:
            response.raw_output_contents.append(binary_form(tensor.datatype, tensor.values))
            continue
        values = tensor.values
        if tensor.datatype == "BYTES":
            values = [str(value).encode() for value in values]
        getattr(output.contents, _CONTENTS[tensor.datatype]).extend(values)
    return response
