"""Studies run on demand on a bundle or the data (long texts, faithfulness, out-of-domain
comparison, teachers, explore, behaviour); each renders its own card lines and, asked to, writes
them into a bundle through ``training.ship.measured``."""
