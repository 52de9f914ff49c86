"""The harness the tests and benchmarks start servers with: waits end on a state or a deadline,
and a server that cannot start says why."""

from __future__ import annotations

import sys

import pytest

from benchmarks.harness.processes import ServerError, eventually, serving


def test_eventually_returns_what_the_condition_found_or_names_what_never_came() -> None:
    values = iter([None, 0, "found"])
    assert eventually(lambda: next(values), 5, "a value") == "found"
    with pytest.raises(TimeoutError, match=r"the impossible: not within 0\.05 s"):
        eventually(lambda: False, 0.05, "the impossible")


def test_a_server_that_exits_before_it_is_ready_fails_with_its_output() -> None:
    command = [sys.executable, "-c", "print('no bundle here'); raise SystemExit(1)"]
    with pytest.raises(ServerError, match="exited:\nno bundle here"), serving(command, {}):
        pass
