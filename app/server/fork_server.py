"""The fork server the worker processes start from, so that they share the serving stack.

With multiprocessing's "spawn" every worker was a fresh interpreter that imported the web
stack, numpy, tokenizers and the app on its own: the same Python objects and library data in
each. With its "forkserver" start method the supervisor starts one more process, the fork
server, when it starts its first worker; the fork server imports the modules named here once
and forks every worker from that state, so the workers share those pages copy-on-write until
they write to them: each worker added 97 MB of PSS, and 61 MB so (from 2 to 4 workers,
``python -m benchmarks.workers_memory``; README: Memory per worker). The supervisor itself
still imports none of it.

What the fork server must not hold when it forks, as a forked child keeps only the thread that
called fork() (a lock another thread held stays locked for ever):
- onnxruntime: importing it starts a thread of its own (its telemetry, with an open SQLite
  database). Each worker imports it when it makes its sessions, after the fork
  (``app.inference.session.create_session``). Sessions, models and event loops, likewise,
  are made in the workers.
- numpy's OpenBLAS threads: OpenBLAS starts one per core when numpy is imported, unless
  OPENBLAS_NUM_THREADS says otherwise. It is set to 1 unless set already: the service does no
  BLAS work (onnxruntime runs the model with its own kernels).
Last, ``app.server.in_fork_server`` holds the signals that are not the fork server's to obey and
freezes its heap, so that the workers' garbage collections do not copy the pages they share.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing.context import ForkServerContext

# Blocked in the fork server and so in each worker it forks, which unblocks them first thing.
HELD_SIGNALS = {signal.SIGTERM, signal.SIGHUP}

# What a worker imports beyond the app factory's module (serving, the uvicorn server's loop,
# protocol and lifespan). A name that is not installed is skipped by the fork server: it is
# then imported by each worker, as before, at the cost of its memory only.
SERVING_MODULES = (
    "app.core.logging",
    "app.server.graceful",
    "uvicorn.importer",
    "uvicorn.lifespan.on",
    "uvicorn.loops.uvloop",
    "uvicorn.protocols.http.httptools_impl",
)


def worker_context(factory: str) -> ForkServerContext:
    """The multiprocessing context to start workers from: a fork server that has imported
    ``factory``'s module ("module:function") and the serving modules, then frozen its heap."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    context = multiprocessing.get_context("forkserver")
    module = factory.partition(":")[0]
    context.set_forkserver_preload([module, *SERVING_MODULES, "app.server.in_fork_server"])
    return context
