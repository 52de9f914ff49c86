"""The studies, as subcommands of ``python -m training``: each measures a bundle or the data and
keeps its own options (``python -m training long-text --help``). Their old entry points
(``python -m training.long_text`` and the like) stay as aliases for one release."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

# subcommand -> (module with main(argv), one line of help)
STUDIES: dict[str, tuple[str, str]] = {
    "behaviour": ("training.studies.behaviour", "run the behavioural suite on a bundle"),
    "long-text": ("training.studies.long_text", "choose and compare how long reviews are read"),
    "faithfulness": (
        "training.studies.faithfulness",
        "measure how faithful /explain's weights are",
    ),
    "out-of-domain": (
        "training.studies.out_of_domain",
        "score bundles on the out-of-domain sets beside the yardsticks",
    ),
    "card": (
        "training.studies.card",
        "write a bundle's model card again with the trials logged since its export",
    ),
    "teacher": (
        "training.studies.teachers",
        "compare the n-gram teachers on k-fold cross-validation",
    ),
}


def study_main(name: str) -> Callable[[Sequence[str]], int]:
    module = importlib.import_module(STUDIES[name][0])
    main: Callable[[Sequence[str]], int] = module.main
    return main
