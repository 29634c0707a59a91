"""After training: fit the calibration temperature and the decision threshold on the validation split.

:func:`calibrate_run` runs in :func:`gluon_sentiment.training.fit.finish`,
once the best epoch is back in the network:

* ``--calibrate`` (the default; ``--no-calibrate`` turns it off): the
  temperature of :func:`gluon_sentiment.analysis.calibration.fit_temperature`
  on the validation probabilities; for a run with class weights, the
  temperature and one bias per class of
  :func:`~gluon_sentiment.analysis.calibration.fit_temperature_bias`, each
  validation text counting its class's weight, so that the probabilities
  are those of the weighted population (``balanced``: classes equally
  likely) whatever the validation split's proportions, and the decision is
  prior-corrected; ``--calibrate-bias`` fits the bias for a run without
  class weights too (unweighted);
* ``--threshold auto`` (binary runs): the threshold on the calibrated
  ``P(positive)`` that maximizes ``--select-metric``
  (:func:`~.objectives.choose_threshold`, weighted as the calibration), or
  the value given.

Both go into ``config.json`` (``calibration.temperature`` and, with class
weights, ``calibration.bias``; ``decision_threshold``), which every prediction path reads
(:func:`gluon_sentiment.inference.load_model`, bundles keep the file), and
into ``metrics.json`` with the validation ECE and NLL before and after; the
reliability diagram is ``reliability.png``. Every worker of a distributed
job computes the same on the whole validation split (the weights agree), so
none waits for another; rank 0 writes.
"""
import logging
import os
from typing import Optional, Tuple

import numpy as np

from ..analysis.calibration import (RELIABILITY_PNG, calibration_report, fit_temperature,
                                    fit_temperature_bias, plot_reliability)
from ..artifacts.store import CONFIG, read_json, write_json
from ..data.pipeline import Dataset
from ..errors import ConfigError
from ..inference.batches import apply_temperature, predict_logits, softmax
from .config import TrainConfig
from .handlers import TrainingRun
from .objectives import choose_threshold

__all__ = ['check_threshold', 'split_probabilities', 'fit_calibration', 'corrects_decision',
           'calibrate_run']

log = logging.getLogger(__name__)


def check_threshold(config: TrainConfig, data: Dataset) -> None:
    """Refuse ``--threshold`` for a run of more than two classes.

    Raises
    ------
    ConfigError
        Naming the classes.
    """
    if config.threshold is not None and len(data.class_names) != 2:
        raise ConfigError(f'--threshold {config.threshold}: only for binary runs; this one has '
                          f'{len(data.class_names)} classes ({", ".join(data.class_names)}); '
                          'leave it out')


def split_probabilities(run: TrainingRun, split: str,
                        shard: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Uncalibrated class probabilities ``(n, K)`` of the network on ``split``, and the labels.

    With ``shard``, this worker's shard of the split only.
    """
    margin = run.margin
    X, y, lengths = run.data.splits[split]
    if shard:
        X, y, lengths = (run.worker.shard(a) for a in (X, y, lengths))
    y = np.asarray(y, dtype=np.int64)
    if not len(y):
        return np.zeros((0, len(run.data.class_names))), y
    logits = predict_logits(run.net, X, run.ctx, 256, None if margin is None else lengths,
                            margin or 0)
    return softmax(logits.astype(np.float64)), y


def _threshold(config: TrainConfig, probs: np.ndarray, y: np.ndarray,
               weights: Optional[np.ndarray]) -> Optional[float]:
    if config.threshold is None or probs.shape[1] != 2:
        return None
    if config.threshold != 'auto':
        return float(config.threshold)
    return choose_threshold(probs[:, 1], y, config.select_metric, weights)


def fit_calibration(probs: np.ndarray, y: np.ndarray, class_weights: Optional[np.ndarray],
                    calibrate: bool = True,
                    bias: bool = False) -> Tuple[Optional[float], Optional[np.ndarray]]:
    """The temperature and (with ``class_weights`` or ``bias``) the bias per class of ``(probs, y)``.

    Each example counts its class's weight; ``(None, None)`` when
    ``calibrate`` is off or there is no example.
    """
    if not calibrate or not len(y):
        return None, None
    if class_weights is None and not bias:
        return fit_temperature(probs, y), None
    return fit_temperature_bias(probs, y, None if class_weights is None
                                else np.asarray(class_weights)[y])


def corrects_decision(run: TrainingRun) -> bool:
    """Whether ``run``'s calibration fits a bias (class weights or ``--calibrate-bias``)."""
    return run.class_weights is not None or run.config.calibrate_bias


def calibrate_run(run: TrainingRun) -> None:
    """Fit the temperature (bias) and the threshold of ``run`` on its validation split (see the module).

    Sets ``calibration`` and ``decision_threshold`` in ``run.metrics``; rank 0
    adds them to ``config.json`` and draws ``reliability.png``.
    """
    config = run.config
    probs, y = split_probabilities(run, 'val')
    weights = None if run.class_weights is None or not len(y) else run.class_weights[y]
    temperature, bias = fit_calibration(probs, y, run.class_weights, config.calibrate,
                                        config.calibrate_bias)
    report = calibration_report(probs, y, temperature, bias, weights)
    threshold = _threshold(config, apply_temperature(probs, temperature, bias), y, weights)
    run.metrics['calibration'] = report
    run.metrics['decision_threshold'] = threshold
    log.info('calibration on %d validation texts%s: temperature %s%s, ECE %.4f -> %.4f%s', len(y),
             '' if weights is None else ' (class-weighted)',
             'none' if temperature is None else f'{temperature:.4f}',
             '' if bias is None else ', bias ' + ' '.join(f'{b:+.3f}' for b in bias),
             report['ece_before'], report['ece_after'],
             '' if threshold is None else f'; threshold {threshold:.4f}')
    if not run.worker.is_writer:
        return
    path = os.path.join(run.out, CONFIG)
    saved = read_json(path)
    calibration = {'temperature': temperature}
    if bias is not None:
        calibration['bias'] = [float(b) for b in bias]
    saved.update(calibration=calibration, decision_threshold=threshold)
    write_json(path, saved)
    if len(y):
        plot_reliability(probs, y, os.path.join(run.out, RELIABILITY_PNG), temperature,
                         f'{config.model}: validation reliability', bias, weights)
