"""Kept for one release so that ``python -m training.behaviour`` still runs; the suite is
``training.measure.behaviour``, the command ``python -m training behaviour``."""
