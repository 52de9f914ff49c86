"""Offline training pipeline: raw reviews -> tokenizer -> Keras model -> ONNX bundle in models/."""
