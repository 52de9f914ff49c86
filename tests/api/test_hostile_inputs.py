"""A catalogue of hostile requests. Each is answered with a documented 4xx or a valid
prediction, no answer leaks a stack trace or an internal path, and a normal request right
after it still succeeds."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.api.schemas import POSITIVE_EXAMPLE

JSON = "application/json"


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


# Hebrew and Arabic ("excellent film") behind a right-to-left override
RIGHT_TO_LEFT = (
    "\u202e\u05de\u05e6\u05d5\u05d9\u05df \u05e1\u05e8\u05d8 \u0645\u0645\u062a\u0627\u0632"
)
EMOJI_ZERO_WIDTH = "\U0001f3ac\U0001f44d\u200b\u200d\ufeff great \U0001f600"
HTML = "<script>alert(1)</script><b>great</b><br />"

# (name, body bytes, content type, expected status)
CATALOGUE: list[tuple[str, bytes, str | None, int]] = [
    ("wrong content type", _json({"text": "fine"}), "text/plain", 415),
    ("no content type", _json({"text": "fine"}), None, 415),
    ("form-encoded body", b"text=fine", "application/x-www-form-urlencoded", 415),
    ("invalid UTF-8 bytes", b'{"text": "caf\xe9 \xff\xfe"}', JSON, 400),
    ("UTF-8 byte-order mark", b"\xef\xbb\xbf" + _json({"text": "fine"}), JSON, 200),
    ("huge JSON float", b'{"text": 1e999999}', JSON, 422),
    ("huge JSON integer", b'{"text": ' + b"9" * 5000 + b"}", JSON, 400),
    ("deeply nested arrays", b'{"texts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON, 400),
    ("deeply nested objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, JSON, 400),
    ("null body", b"null", JSON, 422),
    ("array instead of an object", _json(["fine"]), JSON, 422),
    ("string instead of an object", _json("fine"), JSON, 422),
    ("empty body", b"", JSON, 422),
    ("truncated JSON", b'{"text": "fine', JSON, 422),
    ("null text", _json({"text": None}), JSON, 422),
    ("text and texts both", _json({"text": "a", "texts": ["b"]}), JSON, 422),
    ("unknown field", _json({"text": "fine", "admin": True}), JSON, 422),
    ("number as text", _json({"text": 5}), JSON, 422),
    ("non-string in texts", _json({"texts": ["fine", 1, None]}), JSON, 422),
    ("empty list of texts", _json({"texts": []}), JSON, 422),
    ("whitespace-only text", _json({"text": " \t\n\u3000\u200a"}), JSON, 422),
    ("10,000 texts", _json({"texts": ["fine"] * 10_000}), JSON, 422),
    ("100,001-character text", _json({"text": "a" * 100_001}), JSON, 422),
    ("10 MB body", _json({"text": "a" * 10_000_000}), JSON, 413),
    ("100,000-character text", _json({"text": "great " * 16_666 + "good"}), JSON, 200),
    ("NUL bytes", _json({"text": "good\x00 film\x00"}), JSON, 200),
    ("lone surrogate", b'{"text": "good \\ud800 film"}', JSON, 200),
    ("control characters", _json({"text": "good\x01\x02\x1b[31m film\x7f"}), JSON, 200),
    ("right-to-left text", _json({"text": RIGHT_TO_LEFT}), JSON, 200),
    ("emoji and zero-width characters", _json({"text": EMOJI_ZERO_WIDTH}), JSON, 200),
    ("HTML and script tags", _json({"text": HTML}), JSON, 200),
    ("only punctuation", _json({"text": "!!! ??? ... ;;;"}), JSON, 200),
    ("only unknown words", _json({"text": "zxqv blorptastic wibblefrunk"}), JSON, 200),
    ("duplicate keys", b'{"text": "awful", "text": "great"}', JSON, 200),
    ("SQL and format strings", _json({"text": "'; DROP TABLE reviews; -- %s %n {0}"}), JSON, 200),
]  # fmt: skip


def _assert_no_internals(body: str) -> None:
    for leak in ("Traceback", "site-packages", "/app/", '.py"', 'File "'):
        assert leak not in body, f"error response leaks {leak!r}: {body[:300]}"


@pytest.mark.parametrize("path", ["/predict", "/explain"])
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [case[1:] for case in CATALOGUE],
    ids=[case[0] for case in CATALOGUE],
)
def test_hostile_request_gets_a_documented_answer_and_the_service_keeps_serving(
    client: TestClient, body: bytes, content_type: str | None, status: int, path: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    if status == 200:
        (prediction,) = response.json()["predictions" if path == "/predict" else "explanations"]
        assert prediction["label"] in ("negative", "positive")
        assert 0.0 <= prediction["score"] <= 1.0
    else:
        assert response.json()["detail"]
        _assert_no_internals(response.text)
    after = client.post("/predict", json={"text": POSITIVE_EXAMPLE})
    assert after.status_code == 200 and after.json()["predictions"][0]["label"] == "positive"


QUOTED = [
    ("lone surrogates", '"Good \\ud800 film. Bad \\udfff end."'),
    ("NUL bytes", json.dumps("Good\x00 film. Bad\x00 end.")),
    ("right-to-left text", json.dumps(RIGHT_TO_LEFT)),
    ("emoji and zero-width characters", json.dumps(EMOJI_ZERO_WIDTH)),
    ("HTML and script tags", json.dumps(HTML)),
    ("control characters", json.dumps("good\x01\x02\x1b[31m film.\x7f Bad.")),
]


@pytest.mark.parametrize("path", ["/predict", "/explain"])
@pytest.mark.parametrize("text", [case[1] for case in QUOTED], ids=[case[0] for case in QUOTED])
def test_answers_that_quote_hostile_text_are_valid_json(
    client: TestClient, text: str, path: str
) -> None:
    """Sentences and explanations quote the text: even lone surrogates come back as JSON
    (as U+FFFD), with offsets that still index the text as sent."""
    body = f'{{"text": {text}, "sentences": true, "long_text": "chunk"}}'.encode()
    response = client.post(path, content=body, headers={"content-type": JSON})
    assert response.status_code == 200, response.text[:300]
    sent = json.loads(body)["text"]
    (answer,) = response.json()["predictions" if path == "/predict" else "explanations"]
    assert answer["sentences"]
    tokens = answer["tokens"] if path == "/explain" else []
    for part in [*answer["sentences"], *tokens]:
        quoted = sent[part["start"] : part["end"]]
        assert part["text"] == "".join(
            "\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in quoted
        )


def test_the_catalogue_has_at_least_20_hostile_inputs() -> None:
    assert len(CATALOGUE) >= 20


def test_wrong_method_and_path_are_json_4xx(client: TestClient) -> None:
    for method, path, status in (("GET", "/predict", 405), ("POST", "/nowhere", 404)):
        response = client.request(method, path)
        assert response.status_code == status
        assert response.json()["detail"]


def test_unreadable_json_is_explained(client: TestClient) -> None:
    body = b'{"texts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = client.post("/predict", content=body, headers={"content-type": JSON})
    assert response.status_code == 400
    assert "nested too deeply or a number too large" in response.json()["detail"]


def test_an_unexpected_error_is_a_bare_json_500(tmp_path: object) -> None:
    """A bug answers 500 with no trace or path in the body; the service keeps serving."""
    from app.main import create_app
    from tests.api.conftest import make_settings

    app = create_app(make_settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail at /srv/app/x.py")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
        assert response.status_code == 500
        assert response.json() == {
            "detail": "internal error; it has been logged",
            "request_id": response.headers["x-request-id"],
        }
        _assert_no_internals(response.text)
        assert "secret" not in response.text
        assert client.post("/predict", json={"text": POSITIVE_EXAMPLE}).status_code == 200
