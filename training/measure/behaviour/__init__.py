"""Behavioural tests in the style of CheckList (Ribeiro et al. 2020): negation, contrast,
intensity, vocabulary and invariance cases, run through a bundle's classifier.

``run_suite(classifier)`` -> ``SuiteResult``; ``render_markdown(result)`` -> the model card's
table; ``python -m training.behaviour --bundle models/imdb-sentiment`` prints it.
"""

from training.measure.behaviour.cases import NOT_STRONG_ADJECTIVE, build_cases
from training.measure.behaviour.report import render_markdown
from training.measure.behaviour.runner import SuiteResult, run_suite

__all__ = ["NOT_STRONG_ADJECTIVE", "SuiteResult", "build_cases", "render_markdown", "run_suite"]
