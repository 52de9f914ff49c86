"""``python -m training``: every command (train, explore, export, evaluate and the studies) as a
subcommand with one logging set-up; ``--help`` lists them."""

from training.cli.commands import main

__all__ = ["main"]
