"""How texts are scored unless told otherwise: shared by the service's settings and bulk scoring.

Plain constants, so that ``python -m app.score`` (the ``score`` extra) takes the service's
defaults without importing the service's settings, which need pydantic-settings.
"""

from __future__ import annotations

from typing import Final, Literal

FORWARD_BATCH_SIZE: Final = 4  # rows per session.run; fastest for this LSTM on CPU (benchmarks)
# A batch of short texts this small runs on the event loop's thread when nothing else waits.
INLINE_ROWS: Final = 4
LONG_TEXT: Final[Literal["truncate", "chunk"]] = "truncate"  # the window the model trained on
