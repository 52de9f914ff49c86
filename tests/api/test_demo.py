"""GET /: the demo page and its assets, served by the app with nothing from elsewhere."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_page_and_its_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for control in ("review", "model", "chunk", "api-key"):
        assert re.search(rf'<label[^>]*for="{control}"|<label[^>]*><input[^>]*id="{control}"', html)
    assert 'name="viewport"' in html and 'href="docs"' in html
    script = client.get("/demo/demo.js")
    style = client.get("/demo/demo.css")
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    for text in (html, script.text, style.text):
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), "external URL"


def test_only_the_page_assets_are_served(client: TestClient) -> None:
    for name in ("../main.py", "demo.html", "x.js", "..%2Fmain.py"):
        assert client.get(f"/demo/{name}").status_code == 404, name


def test_the_page_is_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(path.startswith("/demo") for path in paths)
