"""``python -m benchmarks``: the service beside its yardsticks, measured in one run."""
