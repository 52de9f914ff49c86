"""Bundle loading and the preprocess -> forward -> postprocess pipeline."""
