"""The gRPC server of the Open Inference Protocol, run beside the HTTP server in each process.

It starts once the models are loaded (as the HTTP port only opens then) and stops before the
batcher closes: ``server.stop`` refuses new calls and gives calls in flight ``GRACE_S`` to
finish, so a call accepted before a stop signal is answered. Readiness (``ServerReady``)
turns false at the signal, with REST's. With several worker processes every one binds the port
with ``SO_REUSEPORT`` (grpc's default on Linux, set here explicitly), and the kernel spreads
connections over them as it does for HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from starlette.applications import Starlette

from app.api.open_inference.grpc_service import InferenceService
from app.api.open_inference.vendor.grpc_predict_v2_pb2_grpc import (
    add_GRPCInferenceServiceServicer_to_server,
)
from app.core.config import Settings
from app.runtime.lifespan import Lifespan
from app.runtime.state import ServiceState

log = logging.getLogger("app")

# Within the 10 s the service has to stop in (README "Shutdown"): the lame-duck wait and the
# HTTP drain come first; a call takes milliseconds, or the request deadline at most.
GRACE_S = 3.0


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def start(
    state: ServiceState, settings: Settings, version: str, port: int
) -> grpc.aio.Server:
    """A started gRPC server answering for ``state`` on ``port``."""
    server = grpc.aio.server(
        options=[
            ("grpc.so_reuseport", 1),
            # The REST body limit (413) is gRPC's message limit (RESOURCE_EXHAUSTED).
            ("grpc.max_receive_message_length", settings.max_body_bytes),
        ]
    )
    add_GRPCInferenceServiceServicer_to_server(InferenceService(state, settings, version), server)
    server.add_insecure_port(address(settings.host, port))
    await server.start()
    return server


def with_grpc(lifespan: Lifespan, settings: Settings, version: str) -> Lifespan:
    """``lifespan`` with the gRPC server running inside it, when ``settings.grpc_port`` is set;
    ``version`` is the server's, as ``ServerMetadata`` answers it."""
    port = settings.grpc_port
    if port is None:
        return lifespan

    @asynccontextmanager
    async def serving_grpc(app: Starlette) -> AsyncIterator[None]:
        async with lifespan(app):
            server = await start(app.state.service, settings, version, port)
            log.info("gRPC (Open Inference Protocol) on %s", address(settings.host, port))
            try:
                yield
            finally:
                await server.stop(GRACE_S)
                log.info("gRPC stopped")

    return serving_grpc
