"""The sentiment service: serves a bundle from models/ with onnxruntime (never TensorFlow)."""

__version__ = "0.1.0"  # the package's one version: pyproject.toml reads it from here
