"""Request IDs: one per HTTP request, taken from the caller's ``X-Request-ID`` when it is safe
to echo and log, else generated, so that a client's complaint, an access log line, an error
body, a trace and a prediction log line can be tied together.

The ID of the request being answered lives in a context variable (set by the ``RequestIds``
middleware), so any code running in the request's task reads it without being handed it. The
batcher's inference threads do not share that context: work carries the ID with it.

Standard library only: the inference layer may read it without the web stack.
"""

from __future__ import annotations

import random
import re
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
MAX_LENGTH = 128
# Letters, digits and the punctuation of UUIDs, ULIDs, base64 and W3C trace IDs: nothing that
# could forge a log line, break a header or a JSON string, or fill a log.
_SAFE = re.compile(rb"[A-Za-z0-9._:/+=@-]{1,%d}" % MAX_LENGTH)

_CURRENT: ContextVar[str | None] = ContextVar("request_id", default=None)


def accepted_or_new(given: bytes | None) -> str:
    """The caller's ID if it is 1 to MAX_LENGTH safe characters, else a new random one: 128
    random bits as 32 hex digits.

    The bits come from ``random`` (seeded from the OS at start and again in each forked
    worker), not ``os.urandom``: an ID needs to be unique, not secret, and ``os.urandom``
    lets go of the GIL for its system call, so under load the event loop then waits for an
    inference thread to hand the lock back (5% of a worker's samples at c=64 in
    ``benchmarks.profile``)."""
    if given is not None and _SAFE.fullmatch(given):
        return given.decode("ascii")
    return f"{random.getrandbits(128):032x}"


def current_request_id() -> str | None:
    """The ID of the request this task is answering (None outside a request)."""
    return _CURRENT.get()


def set_request_id(request_id: str | None) -> Token[str | None]:
    """Make ``request_id`` current; returns the token ``reset_request_id`` takes."""
    return _CURRENT.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    _CURRENT.reset(token)
