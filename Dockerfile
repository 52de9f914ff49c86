# syntax=docker/dockerfile:1
# Two targets:
#   serve (default, last): app/ + the default bundle + serving dependencies. No TensorFlow, no
#                          pip, non-root, runs with a read-only root filesystem.
#   train:                 the training pipeline with TensorFlow, to train a bundle from a mounted
#                          dataset into a mounted models/ folder.
ARG PYTHON_IMAGE=python:3.11-slim

# ---- serving dependencies, installed into a venv that has no pip of its own ----
FROM ${PYTHON_IMAGE} AS serve-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# The serving requirements are pinned with hashes in requirements/serve.lock, made by `make lock`
# from pyproject.toml (dependencies + the serve extra; the tests fail when the two disagree), so
# two builds a month apart install the same bytes.
COPY requirements/serve.lock /src/serve.lock
RUN python -m venv --without-pip /opt/venv \
 && python -m pip --python /opt/venv/bin/python install --no-warn-script-location \
      --require-hashes --no-deps -r /src/serve.lock \
 # test suites and type stubs are not needed to serve
 && find /opt/venv -depth \( -type d -name tests -path '*/numpy/*' \
      -o -name '*.pyi' \) -exec rm -rf {} + \
 && rm -rf /opt/venv/lib/python3.11/site-packages/onnxruntime/transformers \
           /opt/venv/lib/python3.11/site-packages/onnxruntime/tools \
           /opt/venv/lib/python3.11/site-packages/onnxruntime/quantization

# ---- training image: TensorFlow, tf2onnx and the whole pipeline ----
FROM ${PYTHON_IMAGE} AS train
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
    PYTHONUNBUFFERED=1 MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY training ./training
RUN python -m pip install '.[serve,train]'
WORKDIR /work
# Mount the data at /data and a models folder at /models (see docker-compose.yml, profile train).
ENTRYPOINT ["python", "-m", "training"]
CMD ["train", "--data", "/data/aclImdb_v1_labeled.tar.gz", \
     "--unlabeled-data", "/data/aclImdb_v1_unsup.tar.gz", "--models-dir", "/models", \
     "--runs-dir", "/models/.runs", "--trials", "/models/trials.jsonl", "--verbose", "2"]

# ---- serving image (the default target) ----
FROM ${PYTHON_IMAGE} AS serve
RUN python -m pip uninstall --yes --quiet pip setuptools wheel 2>/dev/null || true \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin sentiment
COPY --from=serve-deps /opt/venv /opt/venv
COPY app /srv/app
COPY models/imdb-sentiment /srv/models/imdb-sentiment
RUN python -m compileall -q /srv/app
WORKDIR /srv
# ORT_DISABLE_TELEMETRY: onnxruntime's usage telemetry stays off (a server has no business
# reporting home, and on the read-only root it printed a non-JSON warning line at start-up).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ORT_DISABLE_TELEMETRY=1 \
    SENTIMENT_HOST=0.0.0.0 SENTIMENT_PORT=8000 SENTIMENT_GRPC_PORT=8001 SENTIMENT_LOG_FORMAT=json \
    SENTIMENT_BUNDLE_PATH=/srv/models/imdb-sentiment
USER 10001
# 8000: REST; 8001: the Open Inference Protocol over gRPC (what KServe and Triton clients use)
EXPOSE 8000 8001
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-m", "app.healthcheck"]
# exec form: the server is PID 1 and gets SIGTERM directly (graceful stop within 10 s)
ENTRYPOINT ["python", "-m", "app"]
