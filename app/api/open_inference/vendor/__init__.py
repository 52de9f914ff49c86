"""KServe's gRPC inference protocol, vendored: its .proto and the modules grpcio-tools
generated from it (``make protos``). Generated code, never edited by hand."""
