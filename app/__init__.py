"""The sentiment service: serves a bundle from models/ with onnxruntime (never TensorFlow)."""
