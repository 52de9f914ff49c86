"""``python -m training.teacher``, kept for one release: an alias of
``python -m training teacher``, the same command with the same options and logging set-up."""

import sys

from training.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["teacher", *sys.argv[1:]]))
