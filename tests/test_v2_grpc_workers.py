"""``python -m app`` with two worker processes and SENTIMENT_GRPC_PORT: both workers listen on
the one gRPC port (SO_REUSEPORT), tritonclient[grpc] is answered, and SIGTERM stops the gRPC
server of each worker gracefully."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from app.api.schemas import POSITIVE_EXAMPLE
from benchmarks.harness.processes import eventually, free_port, listening_workers
from tests.app_processes import serving_app

grpcclient = pytest.importorskip("tritonclient.grpc", reason="tritonclient[grpc] not installed")


def test_two_workers_share_the_grpc_port_and_stop_it_on_sigterm() -> None:
    port = free_port()
    with serving_app(grpc_port=port, shutdown_delay_s=0, log_level="info") as server:
        pid = server.process.pid
        eventually(lambda: len(listening_workers(pid, port)) == 2, what="both on the gRPC port")
        for _ in range(6):  # new connections, spread over the workers by the kernel
            triton = grpcclient.InferenceServerClient(f"127.0.0.1:{port}")
            try:
                assert triton.is_server_ready()
                text = grpcclient.InferInput("text", [1], "BYTES")
                text.set_data_from_numpy(np.array([POSITIVE_EXAMPLE], dtype=object))
                result = triton.infer("imdb-sentiment", [text])
                assert result.as_numpy("label").tolist() == [b"positive"]
            finally:
                triton.close()
        server.signal(signal.SIGTERM)
        assert server.process.wait(timeout=15) == 0
        assert server.output.complete().count("gRPC stopped") == 2, server.said()
