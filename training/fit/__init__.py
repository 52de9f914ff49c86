"""Everything up to a trained run, in the Keras examples' story order: read the data
(``data``), vectorise it (``tokenizer``), add what the model learns from beside the labelled rows
(``teacher``, ``augment``, ``crops``, ``everyday``), build the model (``model``), fit it
(``train``), calibrate and quantize it. Nothing here knows of bundles, cards or studies."""
