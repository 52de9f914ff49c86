"""One access line per request, with the number of texts each scoring route received; the texts
themselves only with SENTIMENT_LOG_TEXTS."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.core.logging import json_formatter
from app.main import create_app
from tests.api.conftest import make_settings
from tests.api.test_v2 import INFER, tensor

TEXTS = ["A wonderful film.", "Dull and far too long."]
REQUESTS = [
    ("/predict", {"texts": TEXTS}),
    ("/explain", {"texts": TEXTS}),
    (INFER, {"inputs": [tensor(TEXTS)]}),
]


@pytest.mark.parametrize("log_texts", [False, True])
def test_scoring_routes_log_their_text_count_and_texts_only_when_asked(
    log_texts: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        TestClient(create_app(make_settings(log_texts=log_texts))) as client,
        caplog.at_level(logging.INFO, logger="app.access"),
    ):
        caplog.clear()
        for path, body in REQUESTS:
            assert client.post(path, json=body).status_code == 200, path
    # As the JSON log format writes them: the fields are top-level keys.
    formatter = json_formatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "app.access"]
    assert [(line["path"], line["status"], line["texts"]) for line in lines] == [
        (path, 200, len(TEXTS)) for path, _ in REQUESTS
    ]
    for line in lines:
        assert line.get("text") == (TEXTS if log_texts else None), line
