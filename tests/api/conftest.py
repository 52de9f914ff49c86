from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import SHIPPED_BUNDLE


def make_settings(**overrides: object) -> Settings:
    return Settings(**{"bundle_path": SHIPPED_BUNDLE, **overrides})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The app on the shipped bundle, with its lifespan run (loaded and warmed up)."""
    with TestClient(create_app(make_settings())) as test_client:
        yield test_client
