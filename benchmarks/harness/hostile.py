"""Hostile clients that run beside a measurement, in a thread of their own (asyncio on raw
sockets): costly ``/explain`` requests sent non-stop, and slowloris connections that trickle
their headers or body a byte a second. Each keeps going until the block ends and returns what
it saw."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness.loadgen import HOST, post

DRIP_SECONDS = 1.0  # a byte a second


@dataclass
class Seen:
    """What the hostile clients saw: answers by status (0: connection lost without one), and
    for slow connections how long each lasted until the server closed it."""

    statuses: Counter[int] = field(default_factory=Counter)
    lifetimes_s: list[float] = field(default_factory=list)


Client = Callable[[asyncio.Event, Seen], Coroutine[Any, Any, None]]


@contextmanager
def running(clients: list[Client]) -> Iterator[Seen]:
    """Run ``clients`` (each until told to stop) in a thread for the length of the block."""
    seen = Seen()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()

    async def main() -> None:
        tasks = [asyncio.create_task(client(stop, seen)) for client in clients]
        ready.set()
        await stop.wait()
        await asyncio.wait(tasks, timeout=DRIP_SECONDS * 3)
        for task in tasks:
            task.cancel()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait()
    try:
        yield seen
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join()
        loop.close()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    """The status and headers of one complete answer (its body read and dropped)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines if x)}
    await reader.readexactly(int(headers.get("content-length", 0)))
    return int(status_line.split()[1]), headers


def explain_client(port: int, body: bytes) -> Client:
    """Sends ``body`` to /explain over and over on one connection; after a 503 it waits the
    ``Retry-After`` seconds it was told, as a well-behaved client does."""
    request = post("/explain", body)

    async def run(stop: asyncio.Event, seen: Seen) -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                seen.statuses[0] += 1
                continue
            try:
                while not stop.is_set():
                    writer.write(request)
                    status, headers = await read_answer(reader)
                    seen.statuses[status] += 1
                    if status == 503:
                        await asyncio.sleep(float(headers.get("retry-after", 1)))
            except (OSError, asyncio.IncompleteReadError, ValueError):
                seen.statuses[0] += 1
            finally:
                writer.close()

    return run


def slowloris_client(port: int, trickle_body: bool) -> Client:
    """Opens a connection and sends its headers (or, with ``trickle_body``, its body) a byte a
    second, never finishing; reconnects when the server closes it, and records how long the
    server let each connection live."""
    if trickle_body:
        first, drip = post("/predict", b"", length=1_000_000), b"a" * 100_000
    else:
        first, drip = b"POST /predict HTTP/1.1\r\nHost: x\r\n", b"X-Slow: yes\r\n" * 10_000

    async def run(stop: asyncio.Event, seen: Seen) -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
            except OSError:
                await asyncio.sleep(DRIP_SECONDS)
                continue
            opened = time.monotonic()
            closed = asyncio.ensure_future(reader.read())  # returns at the server's close
            try:
                writer.write(first)
                for byte in drip:
                    done, _ = await asyncio.wait([closed], timeout=DRIP_SECONDS)
                    if done or stop.is_set():
                        break
                    writer.write(bytes([byte]))
            except OSError:
                pass
            if closed.done():
                seen.lifetimes_s.append(time.monotonic() - opened)
                closed.exception()  # a reset is a close too; retrieved so asyncio does not warn
            closed.cancel()
            writer.close()

    return run
