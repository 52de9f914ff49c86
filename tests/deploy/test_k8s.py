"""deploy/k8s and its Prometheus overlay render, pass strict schema validation, and agree
with the service's code.

No cluster is needed: ``kubectl kustomize`` renders the base offline and the schemas come with
``kubernetes-validate``. The checks read the rendered objects, so a manifest cannot drift from
the settings, routes, port, user and shutdown timing the service actually has. The overlay's
example scrape job runs in a real Prometheus (Debian's), fed the rendered pod's annotations.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

from app.api.routes.health import router as health_router
from app.api.routes.metrics import router as metrics_router
from app.core.config import Settings
from app.paths import REPOSITORY
from tests.test_prometheus_server import PROMETHEUS, running_prometheus, wait_for

BASE = REPOSITORY / "deploy" / "k8s"
PROMETHEUS_OVERLAY = REPOSITORY / "deploy" / "k8s-overlays" / "prometheus"
# Oldest and newest Kubernetes the manifests are meant for (schemas ship with kubernetes-validate).
KUBERNETES_VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]
# README "Shutdown": after SIGTERM the service waits SENTIMENT_SHUTDOWN_DELAY_S, drains, and
# exits within this many seconds in all (app.__main__ gives uvicorn 8 s minus the delay).
SERVICE_STOPS_WITHIN_S = 10
GRACE_MARGIN_S = 2


def render(kustomization: Path) -> dict[str, dict[str, Any]]:
    """The objects ``kubectl kustomize`` renders, by kind."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: cannot render deploy/k8s with kustomize")
    output = subprocess.run(
        [kubectl, "kustomize", str(kustomization)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    objects = [doc for doc in yaml.safe_load_all(output) if doc]
    return {doc["kind"]: doc for doc in objects}


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, Any]]:
    return render(BASE)


@pytest.fixture(scope="module")
def with_scraping() -> dict[str, dict[str, Any]]:
    return render(PROMETHEUS_OVERLAY)


@pytest.fixture(scope="module")
def container(rendered: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (api,) = rendered["Deployment"]["spec"]["template"]["spec"]["containers"]
    return dict(api)


@pytest.fixture
def settings(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The Settings the pod's process would build from its ConfigMap and env."""
    for name in [name for name in os.environ if name.startswith("SENTIMENT_")]:
        monkeypatch.delenv(name)
    for name, value in _pod_environment(rendered, container).items():
        monkeypatch.setenv(name, value)
    return Settings()


def _pod_environment(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any]
) -> dict[str, str]:
    environment = dict(rendered["ConfigMap"]["data"])
    environment.update({e["name"]: e["value"] for e in container["env"] if "value" in e})
    return environment


def test_every_object_is_rendered_and_strictly_valid(rendered: dict[str, dict[str, Any]]) -> None:
    assert set(rendered) == {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
    }
    for version in KUBERNETES_VERSIONS:
        for document in rendered.values():
            kubernetes_validate.validate(document, version, strict=True)


def test_strict_validation_rejects_an_unknown_field(container: dict[str, Any]) -> None:
    broken = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}
    broken["spec"] = {"containers": [{**container, "readinesProbe_": {}}]}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_every_setting_is_a_field_of_settings_and_valid(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any], settings: Settings
) -> None:
    names = set(_pod_environment(rendered, container)) | {e["name"] for e in container["env"]}
    fields = {f"SENTIMENT_{field.upper()}" for field in Settings.model_fields}
    assert names <= fields, f"not settings of the service: {sorted(names - fields)}"
    assert settings.host == "0.0.0.0"  # reachable from outside the pod


def test_api_key_comes_from_a_secret(container: dict[str, Any]) -> None:
    (api_key,) = [e for e in container["env"] if e["name"] == "SENTIMENT_API_KEY"]
    assert "value" not in api_key
    assert api_key["valueFrom"]["secretKeyRef"]["name"]


def _port(container: dict[str, Any], name: str) -> dict[str, Any]:
    (port,) = [port for port in container["ports"] if port["name"] == name]
    return dict(port)


def test_probes_and_ports_match_the_service(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any], settings: Settings
) -> None:
    port = _port(container, "http")
    assert port["containerPort"] == settings.port
    routes = {route.path for route in health_router.routes}  # type: ignore[attr-defined]
    probes = {
        kind: container[kind]["httpGet"]
        for kind in ("startupProbe", "readinessProbe", "livenessProbe")
    }
    assert probes["readinessProbe"]["path"] == probes["startupProbe"]["path"] == "/health/ready"
    assert probes["livenessProbe"]["path"] == "/health/live"
    for probe in probes.values():
        assert probe["path"] in routes
        assert probe["port"] in (port["name"], port["containerPort"])
    assert rendered["Service"]["spec"]["ports"][0]["targetPort"] in (
        port["name"],
        port["containerPort"],
    )


def test_the_grpc_port_is_the_service_setting_and_exposed(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any], settings: Settings
) -> None:
    """SENTIMENT_GRPC_PORT of the pod's settings is its container port named grpc, and the
    Service forwards to it; the image exposes it too."""
    port = _port(container, "grpc")
    assert settings.grpc_port is not None and port["containerPort"] == settings.grpc_port
    targets = {entry["targetPort"] for entry in rendered["Service"]["spec"]["ports"]}
    assert port["name"] in targets
    exposed = re.search(r"^EXPOSE (.+)$", (REPOSITORY / "Dockerfile").read_text(), re.MULTILINE)
    assert exposed is not None and str(settings.grpc_port) in exposed.group(1).split()


def test_workers_match_the_cpu_limit(container: dict[str, Any], settings: Settings) -> None:
    limit = _cpus(container["resources"]["limits"]["cpu"])
    assert settings.workers == limit
    assert _cpus(container["resources"]["requests"]["cpu"]) == limit  # no throttled surprises


def test_a_rollout_drops_nothing(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any], settings: Settings
) -> None:
    pod = rendered["Deployment"]["spec"]["template"]["spec"]
    readiness = container["readinessProbe"]
    # Readiness fails within the lame-duck period, so the pod leaves the endpoints while it
    # still answers; then the service's own stop ends before the kubelet's SIGKILL.
    assert readiness["periodSeconds"] * readiness["failureThreshold"] < settings.shutdown_delay_s
    assert settings.shutdown_delay_s < SERVICE_STOPS_WITHIN_S
    assert pod["terminationGracePeriodSeconds"] >= SERVICE_STOPS_WITHIN_S + GRACE_MARGIN_S
    rolling = rendered["Deployment"]["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0


def test_the_pod_is_locked_down(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any]
) -> None:
    pod = rendered["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    user = re.search(r"^USER (\d+)$", (REPOSITORY / "Dockerfile").read_text(), re.MULTILINE)
    assert user is not None and pod["securityContext"]["runAsUser"] == int(user.group(1))
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == tmp["name"]]
    assert "emptyDir" in volume


def test_service_budget_and_autoscaler_select_the_pods(
    rendered: dict[str, dict[str, Any]],
) -> None:
    deployment = rendered["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selectors = [
        rendered["Service"]["spec"]["selector"],
        rendered["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"],
        deployment["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        assert selector and selector.items() <= labels.items()
    autoscaler = rendered["HorizontalPodAutoscaler"]
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    (metric,) = autoscaler["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"


def test_the_metrics_folder_is_a_writable_volume_of_the_pod(
    rendered: dict[str, dict[str, Any]], container: dict[str, Any], settings: Settings
) -> None:
    # The root is read-only: the workers' metric files need a volume of their own.
    assert settings.metrics and settings.metrics_dir is not None
    mounts = container["volumeMounts"]
    (mount,) = [m for m in mounts if Path(m["mountPath"]) == settings.metrics_dir]
    assert not mount.get("readOnly", False)
    pod = rendered["Deployment"]["spec"]["template"]["spec"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert "emptyDir" in volume


def test_the_prometheus_overlay_is_the_base_with_scrape_annotations(
    rendered: dict[str, dict[str, Any]],
    with_scraping: dict[str, dict[str, Any]],
    settings: Settings,
) -> None:
    assert set(with_scraping) == set(rendered)
    for version in KUBERNETES_VERSIONS:
        for document in with_scraping.values():
            kubernetes_validate.validate(document, version, strict=True)
    unannotated = copy.deepcopy(with_scraping)
    annotations = unannotated["Deployment"]["spec"]["template"]["metadata"].pop("annotations")
    assert unannotated == rendered  # nothing else changed
    (metrics_route,) = [route.path for route in metrics_router.routes]  # type: ignore[attr-defined]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(settings.port),
        "prometheus.io/path": metrics_route,
    }


@pytest.mark.skipif(PROMETHEUS is None, reason="the prometheus server is not installed")
def test_the_example_scrape_job_scrapes_the_annotated_pods_only(
    with_scraping: dict[str, dict[str, Any]], container: dict[str, Any], tmp_path: Path
) -> None:
    """The overlay's prometheus.yml job in a real Prometheus, with Kubernetes pod discovery
    replaced by a file holding what it would discover: the overlay's pod and the base's."""
    config = yaml.safe_load((PROMETHEUS_OVERLAY / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job.pop("kubernetes_sd_configs") == [{"role": "pod"}]
    job["file_sd_configs"] = [{"files": [str(tmp_path / "pods.json")]}]
    job["scrape_interval"] = "1h"  # the pod addresses are documentation ones: no traffic
    annotations = with_scraping["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    port = _port(container, "http")

    def discovered_pod(name: str, address: str, pod_annotations: dict[str, str]) -> object:
        labels = {"__meta_kubernetes_namespace": "default", "__meta_kubernetes_pod_name": name}
        for key, value in pod_annotations.items():
            labels["__meta_kubernetes_pod_annotation_" + re.sub(r"\W", "_", key)] = value
        return {"targets": [address], "labels": labels}

    # Discovery yields one target per declared container port (here another one, 9999): the
    # job must scrape the annotated port and path, as it does for another app's pod.
    other_app = {**annotations, "prometheus.io/port": "9102", "prometheus.io/path": "/stats"}
    pods = [
        discovered_pod("with-scraping", "192.0.2.10:9999", annotations),
        discovered_pod("base", "192.0.2.11:9999", {}),
        discovered_pod("other-app", "192.0.2.12:9999", other_app),
    ]
    (tmp_path / "pods.json").write_text(json.dumps(pods))
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    found: dict[str, Any] = {}
    with running_prometheus(tmp_path / "prometheus.yml", tmp_path / "data") as (url, process):

        def targets_discovered() -> bool:
            answer = httpx.get(f"{url}/api/v1/targets", timeout=5).json()
            found.update(answer["data"])
            return len(found["activeTargets"]) + len(found["droppedTargets"]) == len(pods)

        wait_for(targets_discovered, "every pod discovered", process)
    scraped = {target["labels"]["pod"]: target["scrapeUrl"] for target in found["activeTargets"]}
    assert scraped == {
        "with-scraping": f"http://192.0.2.10:{port['containerPort']}/metrics",
        "other-app": "http://192.0.2.12:9102/stats",
    }
    (dropped,) = found["droppedTargets"]
    assert dropped["discoveredLabels"]["__meta_kubernetes_pod_name"] == "base"


def _cpus(quantity: str | int) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)
