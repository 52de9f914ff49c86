"""Three replicas behind HAProxy (deploy/haproxy/haproxy.cfg): a rolling restart under load
loses no request, because the balancer's readiness checks and the replicas' lame-duck period
agree. The SIGKILL figures come from ``python -m benchmarks.balancer``."""

from __future__ import annotations

import re
import shutil

import pytest

from app.core.config import Settings
from benchmarks import balancer

pytestmark = pytest.mark.skipif(
    shutil.which("haproxy") is None,
    reason="haproxy is not installed (apt-get install haproxy; .ci/run installs it)",
)


def _milliseconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s)?", value)  # HAProxy's times are in ms without a unit
    assert match is not None, value
    return float(match[1]) * (1000 if match[2] == "s" else 1)


def _value(config: str, pattern: str) -> str:
    match = re.search(pattern, config, re.MULTILINE)
    assert match is not None, f"{pattern} not in {balancer.CONFIG}"
    return match.group(1)


def test_checks_take_a_replica_out_within_its_lame_duck_period() -> None:
    config = balancer.CONFIG.read_text()
    inter = _milliseconds(_value(config, r"^\s*default-server .*\binter (\S+)"))
    fall = int(_value(config, r"^\s*default-server .*\bfall (\d+)"))
    timeout = _milliseconds(_value(config, r"^\s*timeout check (\S+)"))
    assert "option httpchk GET /health/ready" in config
    assert inter * fall + timeout < balancer.SHUTDOWN_DELAY_S * 1000
    assert Settings(shutdown_delay_s=balancer.SHUTDOWN_DELAY_S).shutdown_delay_s > 0  # valid


def test_a_rolling_restart_under_load_fails_no_request() -> None:
    with balancer.cluster(clients=4) as (replicas, haproxy, load):
        figures = balancer.rolling_restart(replicas, haproxy, load)
    assert figures.requests > 100, figures  # the load really ran through the restarts
    assert figures.failed == 0, figures
    assert all(d < balancer.SHUTDOWN_DELAY_S for d in figures.marked_down_after_s), figures
