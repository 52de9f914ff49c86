"""/docs and /redoc render in headless Chromium with every host but the app unreachable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.harness.processes import serving
from tests.api.chromium import CHROMIUM, HEADLESS, required
from tests.conftest import SHIPPED_BUNDLE

pytestmark = required("check the docs")

OFFLINE = [
    *HEADLESS,
    "--disable-quic",
    "--no-first-run",
    # Every host name but the app's address fails to resolve: a CDN asset could not load.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=10000",
    "--window-size=1280,1600",
]


def chromium(url: str, profile: Path, *action: str) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, *OFFLINE, f"--user-data-dir={profile}", *action, url],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=profile,
    )
    return result.stdout


@pytest.fixture(scope="module")
def base_url() -> object:
    with serving(
        [sys.executable, "-m", "app"], {"SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE)}
    ) as service:
        yield service.base


def test_swagger_ui_renders_the_operations(base_url: str, tmp_path: Path) -> None:
    dom = chromium(f"{base_url}/docs", tmp_path, "--dump-dom")
    assert 'class="swagger-ui' in dom
    for rendered in ("opblock-summary-path", "/predict", "/health/ready", "/model"):
        assert rendered in dom, f"{rendered} not rendered"
    chromium(f"{base_url}/docs", tmp_path, f"--screenshot={tmp_path / 'docs.png'}")
    assert (tmp_path / "docs.png").stat().st_size > 10_000


def test_redoc_renders_the_operations(base_url: str, tmp_path: Path) -> None:
    dom = chromium(f"{base_url}/redoc", tmp_path, "--dump-dom")
    assert "Sentiment API" in dom and "/predict" in dom
    assert "Something went wrong" not in dom
