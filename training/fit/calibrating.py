"""The calibration stage: the logit's temperature and shift fitted on validation reviews, then,
if asked, a term for the text's length; each folded into the classifier's weights, and the
threshold chosen on validation last.

The length term. A model that learns from whole reviews and short texts alike need not be
displaced by the same amount at every length. 2.4.0's configuration with plain statements, seed
42, once calibrated on its validation reviews (230 words on average), scored balanced crops of
those reviews at 0.455 on average and statements of fact at 0.37: the shift that fits reviews
pushed short texts toward negative. With ``length_calibration`` the calibrated logit is

    logit / T + b + c * (log(tokens) - m)

where T and b are fitted on the validation reviews as before, m is those reviews' mean log
length (at which their calibration stays as it was), and c is fitted with T and b fixed, on the
validation reviews and crops of them (1-3 sentences with their review's label,
``training.fit.crops``). A crop's label says only which review it came from, so the crops set
the bias at each length, not the confidence. The term folds into the network: the pooling gains
a log-length column (``MeanMaxOverTokens``) whose classifier weight is c, and the bias takes
-c * m; the exported graph gains a Log and a Concat.
"""

from __future__ import annotations

import logging

import keras
import numpy as np
from tokenizers import Tokenizer

from app.inference.pipeline import encode
from training.fit.calibration import (
    choose_threshold,
    expected_calibration_error,
    fit_calibration,
    fit_length_shift,
    fold_calibration,
)
from training.fit.config import TrainConfig
from training.fit.crops import review_crops
from training.fit.data import Split
from training.fit.ensemble import network_config
from training.fit.model import OUTPUT_NAME, build_model
from training.fit.run import RunState
from training.fit.tokenizer import PAD_ID

log = logging.getLogger(__name__)

# Crops of the validation reviews for the length term: two for each review, a seed of their own.
CROPS_PER_REVIEW = 2
_CROP_SEED_OFFSET = 1_000


def calibrate(run: RunState) -> None:
    """A temperature and a shift of the logit fitted on validation, folded into the classifier's
    weights; the length term, if asked; then the threshold, also chosen on validation."""
    if not run.config.calibrate:
        return
    assert run.model is not None and run.validation is not None and run.dataset is not None
    if not run.dataset.binary:
        log.info("calibration (temperature and threshold) is for two labels only: skipped")
        return
    with run.clock.stage("calibration"):
        ids, validation = run.validation_ids, run.validation
        before = _scores(run.model, ids)
        fitted = fit_calibration(before, validation.labels)
        fold_calibration(run.model, fitted)
        run.calibration = {"temperature": fitted.temperature, "shift": fitted.shift}
        if run.config.length_calibration:
            assert run.tokenizer is not None and ids is not None
            run.model, run.calibration["length"] = _length_calibrated(
                run.model, run.config, run.tokenizer, validation, ids
            )
        after = _scores(run.model, ids)
        run.threshold = choose_threshold(validation.labels, after)
        run.calibration["validation_ece_before"] = expected_calibration_error(
            validation.labels, before
        )
        run.calibration["validation_ece_after"] = expected_calibration_error(
            validation.labels, after
        )
    log.info("calibration on validation: %s; threshold %.2f", run.calibration, run.threshold)


def _scores(model: keras.Model, ids: np.ndarray | None) -> np.ndarray:
    return np.asarray(model.predict(ids, batch_size=256, verbose=0)).reshape(-1)


def _length_calibrated(
    model: keras.Model,
    config: TrainConfig,
    tokenizer: Tokenizer,
    validation: Split,
    ids: np.ndarray,
) -> tuple[keras.Model, dict[str, float]]:
    """The model with the length term fitted on the validation reviews (``ids``, as encoded for
    training) and crops of them."""
    crops, crop_labels = review_crops(
        validation.texts,
        validation.labels,
        CROPS_PER_REVIEW * len(validation),
        config.seed + _CROP_SEED_OFFSET,
    )
    short = encode(tokenizer, crops, PAD_ID)
    shift, centre = fit_length_shift(
        (_scores(model, ids), np.count_nonzero(ids != PAD_ID, axis=1), validation.labels),
        (_scores(model, short.input_ids), short.lengths, crop_labels),
    )
    record = {"shift_per_log_token": shift, "centre_log_tokens": centre, "crops": len(crops)}
    return with_length_term(model, config, shift, centre), record


def with_length_term(
    model: keras.Model, config: TrainConfig, shift: float, centre: float
) -> keras.Model:
    """The same network with the text's log length as one more classifier input, weighted
    ``shift``, and the bias moved by -shift * centre: its logit gains shift * (log tokens -
    centre)."""
    rebuilt = build_model(network_config(config), classes=2, length_feature=True)
    for layer in model.layers:
        weights = layer.get_weights()
        if layer.name == OUTPUT_NAME:
            kernel, bias = weights
            weights = [np.vstack([kernel, [[shift]]]), bias - shift * centre]
        if weights:
            rebuilt.get_layer(layer.name).set_weights(weights)
    return rebuilt
