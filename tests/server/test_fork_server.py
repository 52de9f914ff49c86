"""The fork server the worker processes start from (app.server.fork_server): it holds the
serving stack, shared with the workers, but no thread besides its own and no onnxruntime; and
the one copy of the model's weights the workers map (app.inference.session.shared_graph)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from app.inference.session import WEIGHTS_FILE
from app.paths import REPOSITORY
from benchmarks.harness.processes import WAIT_SECONDS, eventually, free_port, listening_workers
from benchmarks.harness.procstats import smaps_rollup
from tests.app_processes import fresh_interpreter, serving_app


def test_the_app_factory_module_does_not_import_onnxruntime() -> None:
    """The fork server imports it; onnxruntime would start a thread there."""
    result = fresh_interpreter("import sys, app.main; sys.exit('onnxruntime' in sys.modules)")
    assert result.returncode == 0, result.stderr or "app.main imports onnxruntime"


def test_workers_fork_from_a_server_with_one_thread_and_share_its_pages() -> None:
    with serving_app(workers=2) as service:
        supervisor = psutil.Process(service.process.pid)
        servers = [p for p in supervisor.children() if "forkserver" in " ".join(p.cmdline())]
        assert len(servers) == 1, supervisor.children()
        server = servers[0]
        workers = listening_workers(supervisor.pid, service.port)
        assert {psutil.Process(pid).ppid() for pid in workers} == {server.pid}
        assert server.num_threads() == 1
        libraries = Path(f"/proc/{server.pid}/maps").read_text()
        assert "numpy" in libraries and "tokenizers" in libraries  # the stack is loaded
        assert "onnxruntime" not in libraries
        for pid in workers:  # with "spawn" a worker shares no written page with anyone
            assert smaps_rollup(pid)["Shared_Dirty"] > 15 * 1024, pid
        weights = {shared_weights(pid) for pid in workers}
    assert len(weights) == 1 and None not in weights  # one copy, mapped by every worker
    assert not Path(str(weights.pop())).parent.parent.exists()  # removed at exit


def shared_weights(pid: int) -> str | None:
    """The model weights file a process maps from the supervisor's graphs folder."""
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        if "sentiment-graphs-" in line and line.endswith(WEIGHTS_FILE):
            return line.split()[-1]
    return None


def test_a_sigterm_to_the_whole_process_group_stops_the_workers_gracefully() -> None:
    """As ``timeout`` or an init that signals the group sends it: the fork server gets it too,
    holds it, and the supervisor still waits for its workers' graceful stop."""
    port = free_port()
    env = {**os.environ, "SENTIMENT_PORT": str(port), "SENTIMENT_WORKERS": "2"}
    service = subprocess.Popen(
        [sys.executable, "-m", "app"], cwd=REPOSITORY, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        eventually(lambda: len(listening_workers(service.pid, port)) == 2, what="2 workers")
        os.killpg(service.pid, signal.SIGTERM)
        output, _ = service.communicate(timeout=WAIT_SECONDS)
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGKILL)
            service.wait()
    assert service.returncode == 0, output
    assert output.count('"message": "stopped"') == 2, output  # each worker's graceful stop
    assert "exited with status" not in output and "supervising process is gone" not in output
