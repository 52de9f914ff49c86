"""A real uvicorn server in a thread (the protocol and options ``python -m app`` serves with),
and raw-socket helpers to talk to it byte by byte."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.main import create_app
from app.runtime.state import ServiceState
from app.server.graceful import GracefulServer
from app.server.protocol import ConnectionLimits, guarded_protocol
from tests.api.conftest import make_settings

DEADLINE_S = 20.0


@dataclass
class LiveServer:
    port: int
    server: GracefulServer
    loop: asyncio.AbstractEventLoop

    @property
    def state(self) -> ServiceState:
        state: ServiceState = self.server.app.state.service
        return state

    def submit(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the server's event loop; returns its concurrent future."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def connect(self, timeout: float = DEADLINE_S) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


@contextmanager
def live_server(
    graceful_shutdown_s: float | None = None, **overrides: object
) -> Iterator[LiveServer]:
    settings = make_settings(**overrides)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    options = {
        "host": "127.0.0.1",
        "port": sock.getsockname()[1],
        "log_config": None,
        "access_log": False,
        "http": guarded_protocol(ConnectionLimits.of(settings)),
        "timeout_graceful_shutdown": graceful_shutdown_s,
        "timeout_keep_alive": settings.keep_alive_s,
    }
    server = GracefulServer(create_app(settings), options)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(server.serve(sockets=[sock]),), daemon=True
    )
    thread.start()
    wait_for(lambda: server.started, "the server started")
    try:
        yield LiveServer(sock.getsockname()[1], server, loop)
    finally:
        server.should_exit = True
        thread.join(DEADLINE_S)
        loop.close()


def wait_for(condition: Callable[[], object], what: str, seconds: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.005)


def request_head(path: str, length: int, content_type: str = "application/json") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def post(path: str, body: bytes) -> bytes:
    return request_head(path, len(body)) + body


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def read_answer(connection: socket.socket) -> Answer:
    """One complete HTTP answer (Content-Length framed); fails on a reset or a short read."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"closed before a complete answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    while len(body) < int(headers["content-length"]):
        chunk = connection.recv(65536)
        assert chunk, f"closed inside the answer's body: {body!r}"
        body += chunk
    return Answer(int(status_line.split()[1]), headers, body)


def closed_by_server(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (fails on a timeout)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


class HeldModel:
    """Stands in for a model and holds the inference thread until released, so the queue
    behind it stays as it is."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()

    def __call__(self, texts: Sequence[str]) -> list[str]:
        self.entered.set()
        assert self.release.wait(DEADLINE_S), "the test never released the model"
        return list(texts)


@contextmanager
def full_queue(live: LiveServer) -> Iterator[None]:
    """The server's queue full (its inference thread held) until the block ends; the server
    must run every batch in a thread (``inline_rows=0``)."""
    batcher = live.state.batcher
    assert batcher is not None
    model = HeldModel()
    held = [live.submit(batcher.predict(model, ["held"]))]
    wait_for(model.entered.is_set, "the model is held")
    while not batcher.full:
        held.append(live.submit(batcher.predict(model, ["queued"])))
        wait_for(lambda: batcher.queued_texts >= len(held) - 1, "the text is queued")
    try:
        yield
    finally:
        model.release.set()
        for future in held:
            future.result(DEADLINE_S)
