"""The model card's calibration section: the fitted temperature, shift and length term, the
expected calibration error on test and the reliability diagram."""

from __future__ import annotations

from typing import Any


def calibration(metrics: dict[str, Any]) -> list[str]:
    calibration = metrics.get("calibration")
    if not calibration:
        return []
    lines = ["## Calibration", ""]
    if calibration.get("temperature") is not None:
        # Runs before 2.4.0 fitted the temperature alone (no "shift" recorded).
        shift = calibration.get("shift")
        fitted = (
            "Temperature scaling fitted on the validation reviews: T ="
            f" {calibration['temperature']:.3f}"
            if shift is None
            else "A temperature and a shift of the logit (Platt scaling) fitted on the validation"
            f" reviews, score = sigmoid(logit / T + b): T = {calibration['temperature']:.3f},"
            f" b = {shift:+.3f}"
        )
        lines.append(
            f"{fitted}, folded into the output layer's weights (validation ECE"
            f" {calibration['validation_ece_before']:.4f} before,"
            f" {calibration['validation_ece_after']:.4f} after)."
        )
        lines += _length_term(calibration.get("length"))
    lines += [
        f"Expected calibration error ({calibration['bins']} equal-width bins of the positive"
        f" score) on test: **{calibration['test_ece']:.4f}**; threshold"
        f" {calibration['threshold']:.2f}, chosen on validation (the one nearest 0.5 among those"
        " within one standard error of the best validation accuracy).",
        "",
        "![reliability diagram](reliability.png)",
        "",
    ]
    return lines


def _length_term(length: dict[str, float] | None) -> list[str]:
    if not length:
        return []
    return [
        "",
        f"The logit also gains c * (log tokens - m), c = {length['shift_per_log_token']:+.3f},"
        f" m = {length['centre_log_tokens']:.2f} (the validation reviews' mean log length, where"
        f" the term is 0): c fitted with T and b fixed on the validation reviews and"
        f" {length['crops']:,} crops of them (1-3 sentences, their review's label), so that"
        " short texts are not displaced by the shift that fits long reviews"
        " (`training/fit/calibrating.py`; folded in as a log-length input of the classifier).",
    ]
