"""The docs pages load their JavaScript and CSS from the app itself, not a CDN."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_reference_only_local_assets(client: TestClient, page: str) -> None:
    html = client.get(page).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/"), f"{page} loads {asset} from outside the app"
        assert client.get(asset).status_code == 200, asset


def test_schema_has_examples_and_error_shapes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert components["PredictRequest"]["examples"][0]["text"].startswith("This movie")
    assert "examples" in components["PredictResponse"]
    responses = schema["paths"]["/predict"]["post"]["responses"]
    assert {"200", "413", "415", "422", "503"} <= set(responses)
