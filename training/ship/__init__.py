"""A trained run turned into a served bundle: the ONNX export and its parity checks, the model
card, the one manifest writer, and the section of the card that studies measure later."""
