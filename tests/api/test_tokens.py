"""No train/serve skew: the server's token ids equal those training recorded."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.conftest import SHIPPED_BUNDLE


def test_served_token_ids_equal_trainings(client: TestClient) -> None:
    fixtures = json.loads((SHIPPED_BUNDLE / "report" / "token_fixtures.json").read_text())
    assert len(fixtures) >= 10
    classifier = client.app.state.service.classifier  # type: ignore[attr-defined]
    texts = [fixture["text"] for fixture in fixtures]
    batch = classifier.encode(texts)
    for row, fixture in zip(batch.input_ids.tolist(), fixtures, strict=True):
        ids = fixture["ids"]
        assert row[: len(ids)] == ids, fixture["text"][:60]
        assert all(pad == 0 for pad in row[len(ids) :])  # only padding after it
