"""A server under test in its own process: started, awaited until ready, stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from app.paths import REPOSITORY


class ServerProcess:
    """Start a server, wait until /health/ready answers 200, stop it with SIGTERM at exit.

    ``with ServerProcess(...) as (process, start_to_ready_seconds): ...``
    """

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], port: int, bundle: Path
    ) -> None:
        uvicorn_flags = (
            ["--port", str(port), "--log-level", "warning"] if "uvicorn" in command else []
        )
        self.command = [*command, *uvicorn_flags]
        self.env = {
            **os.environ,
            **env,
            "BENCH_BUNDLE": str(bundle),
            "SENTIMENT_BUNDLE_PATH": str(bundle),
            "SENTIMENT_PORT": str(port),
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        # The service runs with its defaults (access log on, to a file here).
        self.log = Path(tempfile.gettempdir()) / f"benchmark-server-{name}.log"
        self.ready_url = f"http://127.0.0.1:{port}/health/ready"

    def __enter__(self) -> tuple[subprocess.Popen[bytes], float]:
        started = time.perf_counter()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT
            )
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.command} exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=1) as answer:
                    if answer.status == 200:
                        return self.process, time.perf_counter() - started
            except OSError:
                pass
            if time.perf_counter() - started > 120:
                raise SystemExit(f"{self.command} not ready after 120 s; see {self.log}")
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
