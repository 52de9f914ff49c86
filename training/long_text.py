"""``python -m training.long_text``, kept for one release: an alias of
``python -m training long-text``, the same command with the same options and logging set-up."""

import sys

from training.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["long-text", *sys.argv[1:]]))
