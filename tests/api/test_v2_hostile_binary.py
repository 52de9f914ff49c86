"""Hostile bodies in the binary tensor data form of V2 infer (issue 23): each gets a 4xx JSON
error, never a 5xx, a hang or a dropped connection, and the service keeps serving."""

from __future__ import annotations

import json
import struct

import pytest
from fastapi.testclient import TestClient

from tests.api.test_v2 import INFER, binary_bytes, binary_request

OCTETS = "application/octet-stream"
HELLO = binary_bytes(["hello there"])  # one well-formed BYTES element, 15 bytes


def _prefix(length: int) -> bytes:
    """A BYTES element's little-endian length prefix."""
    return struct.pack("<I", length)


def _header(*inputs: dict[str, object], raw: bytes | None = None, **request: object) -> bytes:
    return raw if raw is not None else json.dumps({"inputs": list(inputs), **request}).encode()


def _tensor(size: object = len(HELLO), shape: object = (1,), **fields: object) -> dict[str, object]:
    tensor: dict[str, object] = {"name": "text", "shape": list(shape), "datatype": "BYTES"}  # type: ignore[call-overload]
    if size is not None:
        tensor["parameters"] = {"binary_data_size": size}
    return {**tensor, **fields}


GOOD = _header(_tensor())

# name: (JSON part, bytes after it, Inference-Header-Content-Length or None for the JSON's own)
CASES: dict[str, tuple[bytes, bytes, str | None]] = {
    # The header length
    "header length past the body": (GOOD, HELLO, "999999"),
    "header length one past the body": (GOOD, HELLO, str(len(GOOD) + len(HELLO) + 1)),
    "header length negative": (GOOD, HELLO, "-5"),
    "header length huge": (GOOD, HELLO, "9" * 40),
    "header length not a number": (GOOD, HELLO, "ten"),
    "header length empty": (GOOD, HELLO, ""),
    "header length a float": (GOOD, HELLO, "12.5"),
    "header length in hex": (GOOD, HELLO, hex(len(GOOD))),
    "header length zero": (GOOD, HELLO, "0"),
    "header length cuts the JSON": (GOOD, HELLO, str(len(GOOD) // 2)),
    "header length takes the data too": (GOOD, HELLO, str(len(GOOD) + len(HELLO))),
    "header length with a sign and spaces": (GOOD, HELLO, f" +{len(GOOD)} "),
    # The JSON part
    "JSON part an array": (_header(raw=b"[1, 2, 3]"), HELLO, None),
    "JSON part a string": (_header(raw=b'"inputs"'), HELLO, None),
    "JSON part null": (_header(raw=b"null"), HELLO, None),
    "JSON part not UTF-8": (_header(raw=b'{"inputs": "\xff\xfe"}'), HELLO, None),
    "JSON part deeply nested": (_header(raw=b"[" * 50_000 + b"]" * 50_000), HELLO, None),
    "JSON part binary garbage": (_header(raw=bytes(range(256))), HELLO, None),
    "no inputs": (_header(), HELLO, None),
    "two inputs": (_header(_tensor(), _tensor()), HELLO + HELLO, None),
    "input of another name": (_header(_tensor(name="review")), HELLO, None),
    "inputs not a list": (_header(raw=b'{"inputs": {"name": "text"}}'), HELLO, None),
    # Datatypes and sizes
    "datatype FP32": (_header(_tensor(datatype="FP32")), HELLO, None),
    "datatype INT64": (_header(_tensor(datatype="INT64")), struct.pack("<q", 7), None),
    "datatype lower case": (_header(_tensor(datatype="bytes")), HELLO, None),
    "binary_data_size negative": (_header(_tensor(size=-15)), HELLO, None),
    "binary_data_size a string": (_header(_tensor(size="15")), HELLO, None),
    "binary_data_size a float": (_header(_tensor(size=15.0)), HELLO, None),
    "100 MB claimed in 1 KB": (_header(_tensor(size=100_000_000)), b"\x00" * 1024, None),
    "binary_data_size 2**64": (_header(_tensor(size=2**64)), HELLO, None),
    "binary_data_size zero": (_header(_tensor(size=0)), b"", None),
    "binary_data_size and data both": (_header(_tensor(data=["hi"])), HELLO, None),
    "bytes after the tensors": (_header(_tensor()), HELLO + b"trailing", None),
    "no bytes after the JSON part": (_header(_tensor()), b"", None),
    # BYTES elements
    "length prefix 2**32 - 1": (_header(_tensor(size=8)), _prefix(2**32 - 1) + b"abcd", None),
    "length prefix overruns by one": (_header(_tensor(size=8)), _prefix(5) + b"abcd", None),
    "length prefix cut short": (_header(_tensor(size=2)), b"\x05\x00", None),
    "second element overruns": (_header(_tensor(size=19, shape=[2])), HELLO + _prefix(9), None),
    "element not UTF-8": (_header(_tensor(size=6)), struct.pack("<I", 2) + b"\xc3\x28", None),
    "element empty": (_header(_tensor(size=4)), struct.pack("<I", 0), None),
    "element only whitespace": (_header(_tensor(size=7)), struct.pack("<I", 3) + b" \t\n", None),
    # Shapes that disagree with the data
    "shape says three, data holds one": (_header(_tensor(shape=[3])), HELLO, None),
    "shape says one, data holds two": (_header(_tensor(size=30)), HELLO + HELLO, None),
    "shape zero": (_header(_tensor(shape=[0])), HELLO, None),
    "shape negative": (_header(_tensor(shape=[-1])), HELLO, None),
    "shape empty": (_header(_tensor(shape=[])), HELLO, None),
    "shape two by two": (_header(_tensor(shape=[2, 2])), HELLO * 4, None),
    "shape of a trillion texts": (_header(_tensor(shape=[10**12])), HELLO, None),
    "shape 10,000 texts of the data": (
        _header(_tensor(size=4 * 10_000 + 10_000, shape=[10_000])),
        (struct.pack("<I", 1) + b"a") * 10_000, None),
    "shape not integers": (_header(_tensor(shape=["1"])), HELLO, None),
    # Outputs asked for
    "unknown binary output": (
        _header(_tensor(), outputs=[{"name": "secret", "parameters": {"binary_data": True}}]),
        HELLO, None),
    "binary_data_output a string": (
        _header(_tensor(), parameters={"binary_data_output": "yes"}), HELLO, None),
}  # fmt: skip


def test_the_catalogue_holds_at_least_30_binary_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_hostile_binary_body_gets_a_4xx_json_error_and_the_service_keeps_serving(
    client: TestClient, case: tuple[bytes, bytes, str | None]
) -> None:
    head, data, header_length = case
    headers = {
        "content-type": OCTETS,
        "Inference-Header-Content-Length": str(len(head))
        if header_length is None
        else header_length,
    }
    answer = client.post(INFER, content=head + data, headers=headers)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/json")
    assert set(answer.json()) == {"error", "request_id"} and answer.json()["error"]
    content, good_headers = binary_request(["A wonderful, moving film."])
    after = client.post(INFER, content=content, headers=good_headers)
    assert after.status_code == 200, after.text[:300]
