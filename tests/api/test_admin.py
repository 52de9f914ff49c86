"""Hot reload: POST /admin/reload (token-protected) and SIGHUP swap in a verified bundle, or
refuse it and keep serving the old one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.schemas import POSITIVE_EXAMPLE
from app.main import create_app
from benchmarks.harness.processes import eventually
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION

TOKEN = "admin-token-0123456789"
ADMIN = {"X-Admin-Token": TOKEN}


def _edit_manifest(bundle: Path, **changes: object) -> None:
    path = bundle / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, **changes}))


@pytest.fixture
def admin(bundle_copy: Path) -> Iterator[TestClient]:
    settings = make_settings(bundle_path=bundle_copy, admin_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        yield client


def test_admin_is_absent_without_a_token(client: TestClient) -> None:
    assert client.post("/admin/reload", headers=ADMIN).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"X-Admin-Token": "wrong"}], ids=["missing", "wrong"])
def test_a_missing_or_wrong_token_is_refused(admin: TestClient, headers: dict[str, str]) -> None:
    assert admin.post("/admin/reload", headers=headers).status_code == 401


def test_reload_swaps_in_the_new_bundle(admin: TestClient, bundle_copy: Path) -> None:
    _edit_manifest(bundle_copy, version="1.1.0")
    response = admin.post("/admin/reload", headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == {
        "status": "reloaded",
        "model": {"name": "imdb-sentiment", "version": "1.1.0"},
    }
    assert admin.get("/model").json()["version"] == "1.1.0"
    answer = admin.post("/predict", json={"text": POSITIVE_EXAMPLE}).json()
    assert answer["model"]["version"] == "1.1.0"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda b: (b / "model.onnx").write_bytes(b"not a graph"), "checksum mismatch"),
        (lambda b: (b / "tokenizer.json").unlink(), "missing"),
        (lambda b: _edit_manifest(b, labels=["bad", "good"]), "labels"),
        (lambda b: (b / "manifest.json").write_text("{"), "manifest"),
    ],
    ids=["corrupt graph", "missing tokenizer", "other labels", "broken manifest"],
)
def test_a_bad_bundle_is_refused_and_the_old_one_keeps_serving(
    admin: TestClient, bundle_copy: Path, damage: object, reason: str
) -> None:
    damage(bundle_copy)  # type: ignore[operator]
    response = admin.post("/admin/reload", headers=ADMIN)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert f"still serving imdb-sentiment {SHIPPED_VERSION}" in detail and reason in detail
    assert str(bundle_copy) not in detail  # no internal paths
    answer = admin.post("/predict", json={"text": POSITIVE_EXAMPLE})
    assert answer.status_code == 200 and answer.json()["model"]["version"] == SHIPPED_VERSION


def test_no_request_fails_while_bundles_are_swapped(admin: TestClient, bundle_copy: Path) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            response = admin.post("/predict", json={"texts": [POSITIVE_EXAMPLE] * 8})
            statuses.append(response.status_code)

    def answered(more: int) -> None:
        """Until the load has had ``more`` more answers: requests flow around every swap."""
        goal = len(statuses) + more
        eventually(lambda: len(statuses) >= goal, 30, f"{goal} answers")

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for version in ("1.1.0", "1.2.0", "1.3.0"):
            answered(4)
            _edit_manifest(bundle_copy, version=version)
            assert admin.post("/admin/reload", headers=ADMIN).status_code == 200
        answered(4)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert set(statuses) == {200}
    assert admin.get("/model").json()["version"] == "1.3.0"
