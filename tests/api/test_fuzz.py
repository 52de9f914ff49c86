"""Schemathesis generates requests from the service's own OpenAPI schema and sends them to a
real server process: no answer may be a 5xx, and every answer must match the schema.

Bounded for CI: ``FUZZ_EXAMPLES`` (default 1200) examples per operation and generation mode;
the test asserts the total reaches 1,000 requests.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.generation.modes import GenerationMode

from app.main import create_app
from tests.api.conftest import make_settings
from tests.test_app_process import serving

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1200"))
CASES: list[str] = []


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    env = {"SENTIMENT_WORKERS": "1", "SENTIMENT_LOG_LEVEL": "warning", "SENTIMENT_API_KEY": KEY}
    with serving([sys.executable, "-m", "app"], env) as (_process, base):
        yield base


# The schema the server publishes at /openapi.json (the app builds it without loading a model),
# with an API key set so that authentication is fuzzed too.
KEY = "fuzz-key-0123456789abcdef"
schema = schemathesis.openapi.from_dict(create_app(make_settings(api_key=KEY)).openapi())
# Requests that fit the schema (which must be answered 2xx) and requests that break it (which
# must be refused with a 4xx), both checked against the documented responses.
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], deterministic=True
)
# A request too big for the body limit is refused with 413 before it is parsed: a rejection.
rejection = NegativeDataRejectionConfig()
schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
    expected_statuses=[*rejection.expected_statuses, 413]
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_generated_requests_get_documented_answers(case: schemathesis.Case, base_url: str) -> None:
    CASES.append(case.operation.label)
    case.call_and_validate(base_url=base_url, headers={"X-API-Key": KEY})


def test_fuzzing_ran_at_least_1000_requests() -> None:
    assert len(CASES) >= 1000, f"only {len(CASES)} generated requests"
    per_operation = Counter(CASES)
    print(dict(per_operation))  # noqa: T201  (the counts, shown with pytest -s)
    for scoring in ("POST /predict", "POST /explain"):
        assert per_operation[scoring] >= 300, per_operation
