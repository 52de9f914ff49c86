"""``python -m training.out_of_domain``, kept for one release: an alias of
``python -m training out-of-domain``, the same command with the same options and logging set-up."""

import sys

from training.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["out-of-domain", *sys.argv[1:]]))
