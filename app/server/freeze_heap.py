"""Imported last by the fork server (``app.server.fork_server``), after the serving stack:
moves every object made so far into the garbage collector's permanent generation, which it
never scans. A worker forked afterwards shares those objects' pages with the fork server;
without this, its first full collection would write to every object's header and so copy
nearly every shared page (about 17 MB per worker, measured). Importing it does that and
nothing else (Python's documentation of ``gc.freeze`` gives the recipe)."""

import gc

gc.freeze()
