"""What the fork server (``app.server.fork_server``) does once it has imported the serving
stack, before it forks any worker: it imports this module last of those it preloads, and
importing it does the following and nothing else.

- Hold SIGTERM and SIGHUP (block them: they stay pending, never delivered). The fork server is
  not the service's to stop or reload: it exits when the supervisor does. A signal sent to the
  whole process group (``timeout``, an init that signals the group, a terminal's hang-up)
  would otherwise kill it, and the supervisor, which learns of its workers' exits through it,
  would take every worker for dead and stop waiting for their graceful stop. Each worker
  releases them first thing (``app.server.supervisor``), so one sent to a worker while it
  starts takes effect then, as it did before.
- Move every object made so far into the garbage collector's permanent generation, which it
  never scans: a collection in a worker would otherwise write to each shared object's header
  and so copy nearly every page it shares with the fork server (about 17 MB per worker,
  measured). Python's documentation of ``gc.freeze`` gives the recipe.
"""

import gc
import signal

from app.server.fork_server import HELD_SIGNALS

signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
gc.freeze()
