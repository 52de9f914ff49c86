"""What is measured on every model the exporter ships: the metrics and plots, the TF-IDF
yardstick, the behavioural suite and the out-of-domain sets (with the card lines of their figures).
It reads a classifier or a scorer; it writes nothing into a bundle."""
