"""Serve the app from several processes on one port, each with its own listening socket.

Each worker process binds the port with ``SO_REUSEPORT``, so the kernel spreads new
connections over the workers. (uvicorn's own ``workers`` share one socket, and whichever
process wakes first accepts a whole burst of connections: with a few keep-alive clients one
process did all the work while the other core idled.) The parent only supervises: it
forwards SIGTERM, waits for the workers' graceful stop, replaces a worker that dies, and
forwards SIGHUP (reload the bundle) to every worker. It starts the workers through a fork
server that has the serving stack imported (``app.server.fork_server``), so that they share
it, and each worker loads its own models and onnxruntime.

Metrics: the parent prepares an empty folder for prometheus-client's multiprocess mode before
the first worker starts (each worker writes its counts into files there, and whichever one
answers a scrape merges them all), and when a worker dies it removes only that worker's live
gauges (``mark_process_dead``): its counters and histograms stay in the totals, and its
replacement writes files of its own, so the totals are neither lost nor counted twice.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from app.core.config import Settings
from app.server.fork_server import HELD_SIGNALS, worker_context

log = logging.getLogger("app")

STOP_SECONDS = 9.5  # workers wait + drain for 8 s at most (app.__main__); stop within 10 s
RESTART_LIMIT = 5  # restarts per minute before the parent gives up


def reuse_port_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _check(settings: Settings) -> str | None:
    from app.inference.bundle import BundleError
    from app.runtime.loading import load_models

    try:
        load_models(settings)
    except BundleError as error:
        return str(error)
    return None


def check_bundle(
    settings: Settings, check: Callable[[Settings], str | None] = _check
) -> str | None:
    """Load and verify the bundle as a worker will, in a child process; the problem or None.

    A process pool executor rather than ``multiprocessing.Pool``: if the child dies (killed
    by the OOM killer, or a crash in native code) the pool quietly starts another and
    ``Pool.apply`` waits for ever, while the executor fails the call at once."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as executor:
        try:
            return executor.submit(check, settings).result()
        except BrokenProcessPool:
            return "the process that loads the bundle died before it finished (out of memory?)"


def _stop_when_the_parent_dies() -> None:
    """A worker whose supervisor is killed (SIGKILL, OOM killer) stops gracefully rather than
    serving on as an orphan, which a restarted service would then share the port with."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent process has exited
        log.error("the supervising process is gone; stopping")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker(factory: str, settings: Settings, options: dict[str, Any]) -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)  # held by the fork server
    # Imported here, in the worker (the fork server has them imported already): the parent
    # only supervises, and does not need uvicorn, the model or onnxruntime in memory.
    from uvicorn.importer import import_from_string

    from app.core.logging import configure_logging
    from app.server import graceful

    configure_logging(settings)
    _stop_when_the_parent_dies()
    sock = reuse_port_socket(options["host"], options["port"])
    app = import_from_string(factory)(settings)
    graceful.serve(app, options, settings.shutdown_delay_s, sockets=[sock])


@contextmanager
def metrics_folder(settings: Settings) -> Iterator[Path | None]:
    """The folder the workers share their metrics through, emptied of the files of an earlier
    run (a new temporary one, removed at exit, unless ``metrics_dir`` is set); None with
    metrics off. prometheus-client reads it from PROMETHEUS_MULTIPROC_DIR when the workers
    import it, so it is set in the environment they inherit."""
    if not settings.metrics:
        yield None
        return
    if settings.metrics_dir is None:
        folder, owned = Path(tempfile.mkdtemp(prefix="sentiment-metrics-")), True
    else:
        folder, owned = settings.metrics_dir, False
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def graphs_folder() -> Iterator[Path | None]:
    """A new temporary folder, removed at exit, where the workers save each model's graph
    once and map its weights from (``app.inference.session.shared_graph``); None where none
    can be made (then each worker keeps weights of its own)."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="sentiment-graphs-", ignore_cleanup_errors=True)
    except OSError as error:
        log.warning("the workers will not share the models' weights: %s", error)
        yield None
        return
    with folder as path:
        yield Path(path)


def forget_live_gauges(pid: int, folder: Path | None) -> None:
    """A dead worker's in-flight and queue gauges leave the totals; its counts stay."""
    if folder is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, str(folder))


def serve(factory: str, settings: Settings, options: dict[str, Any]) -> int:
    """Run ``settings.workers`` processes, each serving the ASGI app that the function named
    ``factory`` ("module:function") builds from settings; return the exit status."""
    # Fail here, in one line, if a port is taken, rather than in every worker. Each worker
    # binds the gRPC port (SENTIMENT_GRPC_PORT) with SO_REUSEPORT too.
    for port in (options["port"], settings.grpc_port):
        if port is None:
            continue
        try:
            reuse_port_socket(options["host"], port).close()
        except OSError as error:
            log.critical("cannot listen on %s:%d: %s", options["host"], port, error)
            return 1
    with metrics_folder(settings) as folder:
        return _supervise(factory, settings.model_copy(update={"metrics_dir": folder}), options)


def _supervise(factory: str, settings: Settings, options: dict[str, Any]) -> int:
    workers = settings.workers
    context = worker_context(factory)  # started here: it inherits PROMETHEUS_MULTIPROC_DIR
    # Workers know they are supervised: their admin reloads go through here.
    worker_settings = settings.model_copy(update={"supervised": True})
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(
            target=_worker, args=(factory, worker_settings, options), name="sentiment-worker"
        )
        process.start()
        return process

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if signum == signal.SIGTERM:  # SIGINT from a terminal reaches the workers already
            for process in running:
                if process.pid is not None and process.is_alive():
                    process.terminate()

    def reload_all(_signum: int, _frame: FrameType | None) -> None:
        for process in running:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGHUP)

    running = [start() for _ in range(workers)]
    signal.signal(signal.SIGHUP, reload_all)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("serving on %s:%d with %d worker processes", options["host"], options["port"], workers)
    restarts: list[float] = []
    while not stopping:
        wait([process.sentinel for process in running], timeout=1.0)
        for index, process in enumerate(running):
            if process.is_alive() or stopping:
                continue
            restarts = [t for t in restarts if time.monotonic() - t < 60] + [time.monotonic()]
            if len(restarts) > RESTART_LIMIT:
                log.critical("workers keep exiting (last status %s); stopping", process.exitcode)
                stopping = True
                for other in running:
                    other.terminate()
                break
            log.error(
                "worker %d exited with status %s; starting another", process.pid, process.exitcode
            )
            assert process.pid is not None
            forget_live_gauges(process.pid, settings.metrics_dir)
            running[index] = start()
    deadline = time.monotonic() + STOP_SECONDS
    for process in running:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.error("worker %d did not stop in time; killing it", process.pid)
            process.kill()
            process.join()
    failed = len(restarts) > RESTART_LIMIT
    return 1 if failed else 0
