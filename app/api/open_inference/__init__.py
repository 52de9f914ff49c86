"""The Open Inference Protocol (KServe V2): bodies, and tensors in JSON and binary."""
