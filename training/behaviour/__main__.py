"""``python -m training.behaviour``, kept for one release: an alias of
``python -m training behaviour``, the same command with the same options and logging set-up."""

import sys

from training.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["behaviour", *sys.argv[1:]]))
