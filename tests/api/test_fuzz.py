"""Schemathesis generates requests from the service's own OpenAPI schema and sends them to a
real server process: no answer may be a 5xx, and every answer must match the schema.

Bounded for CI: ``FUZZ_EXAMPLES`` (default 1200) examples per operation; each operation's test
checks, when it is done, that it sent its share (1,000 requests at least to POST /predict).
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
from benchmarks.harness.processes import serving
from tests.api.conftest import make_settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1200"))
# Requests each operation's test must send at least; the others have few inputs to vary.
MIN_REQUESTS = {"POST /predict": 1000, "POST /explain": 300}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    env = {"SENTIMENT_WORKERS": "1", "SENTIMENT_LOG_LEVEL": "warning", "SENTIMENT_API_KEY": KEY}
    with serving([sys.executable, "-m", "app"], env) as service:
        yield service.base


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


@pytest.fixture
def sent() -> Iterator[Counter[str]]:
    """Requests one test sent, by operation; checked when its examples are done (a fixture
    lives as long as the test, not as one of its examples)."""
    counts: Counter[str] = Counter()
    yield counts
    for label, count in counts.items():
        assert count >= MIN_REQUESTS.get(label, 1), f"only {count} generated requests to {label}"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_generated_requests_get_documented_answers(
    case: schemathesis.Case, base_url: str, sent: Counter[str]
) -> None:
    sent[case.operation.label] += 1
    case.call_and_validate(base_url=base_url, headers={"X-API-Key": KEY})
