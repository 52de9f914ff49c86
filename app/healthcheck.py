"""``python -m app.healthcheck``: exit 0 if the local server is ready, else 1.

For container health checks: it reads the same settings as the server (the port), needs no
curl in the image, and gives up after two seconds.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from app.core.config import Settings


def main() -> int:
    port = Settings().port
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as answer:
            return 0 if answer.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    sys.exit(main())
