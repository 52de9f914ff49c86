"""What the benchmark entry points (``python -m benchmarks...``) are built from: the workload,
the processes under test, the load generators, process statistics and the reports. The tests
start and stop the service with the same ``processes`` module."""
