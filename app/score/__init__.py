"""Bulk scoring: ``python -m app.score INPUT OUTPUT`` scores a file of reviews.

- ``formats``: CSV, JSONL and Parquet read in chunks of records and written back in parts.
- ``rows``: which values are scorable texts, scored as the server scores them
  (``SentimentClassifier.predict``, or its ``ChunkedScorer`` with ``--long-text chunk``).
- ``job``: the output's parts on disk, ``--resume``, bad-row reports, and the atomic rename at
  the end.
- ``local``: the engine on this machine, one process (one ONNX session) per core.
- ``ray_engine``: the engine on a Ray cluster, Ray Data ``map_batches`` over actors that each
  hold one ONNX session.

Nothing here imports the web stack or TensorFlow.
"""
