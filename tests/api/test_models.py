"""Several models in one service: every bundle of a models folder or of the settings' list,
each addressed by name (the default one when a request names none), listed by /model, reloaded
on its own; a name is only ever looked up among the loaded models, never used as a path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.schemas import POSITIVE_EXAMPLE
from app.inference.bundle import BundleError, read_manifest
from app.main import create_app
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_BUNDLE, SHIPPED_VERSION
from tests.multiclass_bundle import LABELS, write_multiclass_bundle

TOKEN = "admin-token-0123456789"
ADMIN = {"X-Admin-Token": TOKEN}
# Names that are not a served model's, by what each tries.
HOSTILE_NAMES = {
    "a parent folder": ["..", "../imdb-sentiment"],
    "an encoded parent folder": ["%2e%2e", "%2e%2e%2fimdb-sentiment", "..%2f..%2fetc%2fpasswd"],
    "an absolute path": ["/etc/passwd", str(SHIPPED_BUNDLE)],
    "a path to a served model": [
        "imdb-sentiment/../tri-sentiment",
        "./tri-sentiment",
        "tri-sentiment/",
    ],
    "another spelling of one": ["IMDB-SENTIMENT", "imdb-sentiment\x00"],
}


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with two three-label bundles and a file that is not a bundle."""
    folder = tmp_path_factory.mktemp("models")
    write_multiclass_bundle(folder / "tri", name="tri-sentiment")
    write_multiclass_bundle(folder / "tri-b", name="tri-b")
    (folder / "trials.jsonl").write_text("{}\n")
    return folder


@pytest.fixture(scope="module")
def three(models_dir: Path) -> Iterator[TestClient]:
    settings = make_settings(models_dir=models_dir, admin_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        yield client


def test_model_lists_every_served_model_after_the_default_ones_fields(three: TestClient) -> None:
    described = three.get("/model").json()
    assert described["name"] == "imdb-sentiment" and described["version"] == SHIPPED_VERSION
    assert described["labels"] == ["negative", "positive"]
    assert described["threshold"] == read_manifest(SHIPPED_BUNDLE).threshold
    listed = [(m["name"], m["default"], len(m["labels"])) for m in described["models"]]
    # the models folder's bundles by folder name: tri/ (tri-sentiment), then tri-b/
    assert listed == [("imdb-sentiment", True, 2), ("tri-sentiment", False, 3), ("tri-b", False, 3)]


@pytest.mark.parametrize("route", ["/predict", "/explain"])
def test_a_request_names_its_model_or_gets_the_default(three: TestClient, route: str) -> None:
    default = three.post(route, json={"text": "A great film."}).json()
    named = three.post(route, json={"text": "A great film.", "model": "tri-sentiment"}).json()
    other = three.post(route, json={"text": "A great film.", "model": "tri-b"}).json()
    assert default["model"] == {"name": "imdb-sentiment", "version": SHIPPED_VERSION}
    assert named["model"] == {"name": "tri-sentiment", "version": "0.1.0"}
    assert other["model"]["name"] == "tri-b"
    key = "predictions" if route == "/predict" else "explanations"
    assert list(default[key][0]["scores"]) == ["negative", "positive"]
    assert list(named[key][0]["scores"]) == LABELS


@pytest.mark.parametrize(
    ("attempt", "name"),
    [(attempt, name) for attempt, names in HOSTILE_NAMES.items() for name in names],
)
def test_a_name_that_is_not_served_gets_404_never_a_file(
    three: TestClient, attempt: str, name: str
) -> None:
    for route in ("/predict", "/explain"):
        answer = three.post(route, json={"text": "A great film.", "model": name})
        assert answer.status_code == 404, (route, attempt, name)
        assert "no model named" in answer.json()["detail"]
    answer = three.post("/admin/reload", params={"model": name}, headers=ADMIN)
    assert answer.status_code == 404, (attempt, name)


@pytest.mark.parametrize(
    "path",
    [
        "/v2/models/..%2Fimdb-sentiment/infer",
        "/v2/models/%2e%2e/infer",
        "/v2/models/%2e%2e%2f%2e%2e%2fetc%2fpasswd/infer",
        "/v2/models/tri-sentiment%2F..%2Fimdb-sentiment/infer",
        f"/v2/models/{str(SHIPPED_BUNDLE).replace('/', '%2F')}/infer",
        "/v2/models/tri-sentiment/versions/..%2F0.1.0/infer",
    ],
)
def test_v2_paths_that_name_no_served_model_get_404(three: TestClient, path: str) -> None:
    request = {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["Good."]}]}
    assert three.post(path, json=request).status_code == 404, path
    assert three.get(path.removesuffix("/infer")).status_code == 404, path


def test_v2_addresses_each_model_and_version_by_name(three: TestClient) -> None:
    request = {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["Good."]}]}
    for name, version, output in (
        ("imdb-sentiment", SHIPPED_VERSION, "probability"),
        ("tri-sentiment", "0.1.0", "probabilities"),
        ("tri-b", "0.1.0", "probabilities"),
    ):
        for base in (f"/v2/models/{name}", f"/v2/models/{name}/versions/{version}"):
            assert three.get(f"{base}/ready").json() == {"name": name, "ready": True}
            answer = three.post(f"{base}/infer", json=request).json()
            assert (answer["model_name"], answer["model_version"]) == (name, version)
            assert output in {o["name"] for o in answer["outputs"]}
    assert three.get("/v2/models/tri-b/versions/9.9.9").status_code == 404


def test_the_docs_offer_the_served_names(three: TestClient) -> None:
    schema = three.get("/openapi.json").json()
    names = ["imdb-sentiment", "tri-sentiment", "tri-b"]
    assert schema["components"]["schemas"]["PredictRequest"]["properties"]["model"]["enum"] == names


def _edit_manifest(bundle: Path, **changes: object) -> None:
    path = bundle / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_each_model_reloads_on_its_own(tmp_path: Path) -> None:
    tri = write_multiclass_bundle(tmp_path / "tri")
    settings = make_settings(extra_bundle_paths=[tri], admin_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        _edit_manifest(tri, version="0.2.0")
        answer = client.post("/admin/reload", params={"model": "tri-sentiment"}, headers=ADMIN)
        assert answer.json()["model"] == {"name": "tri-sentiment", "version": "0.2.0"}
        versions = {m["name"]: m["version"] for m in client.get("/model").json()["models"]}
        assert versions == {"imdb-sentiment": SHIPPED_VERSION, "tri-sentiment": "0.2.0"}
        body = {"text": POSITIVE_EXAMPLE, "model": "tri-sentiment"}
        assert client.post("/predict", json=body).json()["model"]["version"] == "0.2.0"
        (tri / "model.onnx").write_bytes(b"not a graph")
        refused = client.post("/admin/reload", params={"model": "tri-sentiment"}, headers=ADMIN)
        assert refused.status_code == 409 and "tri-sentiment 0.2.0" in refused.json()["detail"]
        _edit_manifest(tri, version="0.3.0", name="imdb-sentiment")
        renamed = client.post("/admin/reload", params={"model": "tri-sentiment"}, headers=ADMIN)
        assert renamed.status_code == 409
        assert client.post("/predict", json=body).json()["model"]["version"] == "0.2.0"
        default = client.post("/admin/reload", headers=ADMIN).json()["model"]
        assert default == {"name": "imdb-sentiment", "version": SHIPPED_VERSION}


def test_two_bundles_with_one_name_are_refused_at_start(tmp_path: Path) -> None:
    first = write_multiclass_bundle(tmp_path / "a", name="same")
    second = write_multiclass_bundle(tmp_path / "b", name="same")
    settings = make_settings(extra_bundle_paths=[first, second])
    with pytest.raises(BundleError, match="already served"), TestClient(create_app(settings)):
        pass


def test_extra_bundles_are_read_from_a_comma_separated_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.config import Settings

    monkeypatch.setenv("SENTIMENT_EXTRA_BUNDLE_PATHS", f"{tmp_path / 'a'}, {tmp_path / 'b'}")
    assert Settings().extra_bundle_paths == [tmp_path / "a", tmp_path / "b"]


def test_sighup_reloads_every_model_on_its_own(tmp_path: Path) -> None:
    """A refused bundle keeps its model's old version; the other models still reload."""
    from app.runtime.reload import reload_every_model

    first = write_multiclass_bundle(tmp_path / "first", name="first")
    second = write_multiclass_bundle(tmp_path / "second", name="second")
    settings = make_settings(extra_bundle_paths=[first, second])
    with TestClient(create_app(settings)) as client:
        _edit_manifest(first, version="0.2.0")
        (second / "tokenizer.json").write_text("{}")
        state = client.app.state.service  # type: ignore[attr-defined]
        reloaded = client.portal.call(reload_every_model, state, settings)  # type: ignore[union-attr]
        assert reloaded == ["imdb-sentiment", "first"]
        versions = {m["name"]: m["version"] for m in client.get("/model").json()["models"]}
    assert versions == {"imdb-sentiment": SHIPPED_VERSION, "first": "0.2.0", "second": "0.1.0"}
