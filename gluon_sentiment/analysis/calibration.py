"""Calibrated probabilities: temperature scaling, expected calibration error, reliability diagrams.

Temperature scaling (Guo et al. 2017, *On Calibration of Modern Neural
Networks*) divides the log-probabilities by one scalar ``T`` before the
softmax: ``p_T = softmax(log(p) / T)``, which for a single network equals
``softmax(logits / T)`` and for an ensemble calibrates the averaged
probabilities. ``T`` is fitted on the validation split by minimizing the
negative log-likelihood (:func:`fit_temperature`, a bounded 1-D search on
``log T``); it never changes which class is the most probable.

The expected calibration error (:func:`expected_calibration_error`) puts
the top probability of each example into 15 equal-width bins and averages
``|accuracy - confidence|`` over the bins, weighted by their size.
"""
from typing import Any, Dict, Optional

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import minimize_scalar

from ..inference.batches import apply_temperature
from .plots import save_figure

__all__ = ['ECE_BINS', 'RELIABILITY_PNG', 'apply_temperature', 'negative_log_likelihood',
           'fit_temperature', 'expected_calibration_error', 'reliability_bins',
           'calibration_report', 'plot_reliability']

#: equal-width bins of the top probability in the expected calibration error
ECE_BINS = 15
#: file name of the reliability diagram in a run directory
RELIABILITY_PNG = 'reliability.png'

_LOG_T_RANGE = (-4.0, 4.0)  # T in [0.018, 55]


def _log_probs(probs: np.ndarray) -> np.ndarray:
    return np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-300, None))


def negative_log_likelihood(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean ``-log p[y]`` of class probabilities ``(n, K)`` and labels ``(n,)``."""
    y = np.asarray(y, dtype=np.int64)
    return float(-_log_probs(np.asarray(probs)[np.arange(len(y)), y]).mean())


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature ``T`` that minimizes the NLL of ``apply_temperature(probs, T)`` on ``y``.

    A bounded scalar search (:func:`scipy.optimize.minimize_scalar`) on
    ``log T`` in [-4, 4]; 1.0 when ``y`` is empty.
    """
    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        return 1.0
    log_p = _log_probs(probs)

    def nll(log_t: float) -> float:
        scaled = log_p / np.exp(log_t)
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        return float((log_norm - scaled[np.arange(len(y)), y]).mean())

    found = minimize_scalar(nll, bounds=_LOG_T_RANGE, method='bounded',
                            options={'xatol': 1e-5})
    best = float(found.x) if nll(float(found.x)) < nll(0.0) else 0.0
    return float(np.exp(best))


def reliability_bins(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> Dict[str, Any]:
    """Per bin of the top probability: ``count``, mean ``confidence`` and ``accuracy`` (lists)."""
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    top = probs.max(axis=1) if len(probs) else np.zeros(0)
    hit = (probs.argmax(axis=1) == y) if len(probs) else np.zeros(0, bool)
    which = np.minimum((top * bins).astype(np.int64), bins - 1)  # 1.0 goes to the last bin
    count = np.bincount(which, minlength=bins)
    conf = np.bincount(which, weights=top, minlength=bins)
    acc = np.bincount(which, weights=hit.astype(np.float64), minlength=bins)
    safe = np.maximum(count, 1)
    return {'count': count.tolist(), 'confidence': (conf / safe).tolist(),
            'accuracy': (acc / safe).tolist()}


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE: the size-weighted mean of ``|accuracy - confidence|`` over ``bins`` equal-width bins."""
    table = reliability_bins(probs, y, bins)
    count = np.asarray(table['count'], dtype=np.float64)
    if count.sum() == 0:
        return 0.0
    gap = np.abs(np.asarray(table['accuracy']) - np.asarray(table['confidence']))
    return float((count * gap).sum() / count.sum())


def calibration_report(probs: np.ndarray, y: np.ndarray,
                       temperature: Optional[float]) -> Dict[str, Any]:
    """``temperature``, validation ``ece_before``/``ece_after`` and ``nll_before``/``nll_after``."""
    after = apply_temperature(probs, temperature)
    return {'temperature': temperature, 'bins': ECE_BINS, 'n': int(len(y)),
            'ece_before': expected_calibration_error(probs, y),
            'ece_after': expected_calibration_error(after, y),
            'nll_before': negative_log_likelihood(probs, y) if len(y) else None,
            'nll_after': negative_log_likelihood(after, y) if len(y) else None}


def plot_reliability(probs: np.ndarray, y: np.ndarray, path: str,
                     temperature: Optional[float] = None, title: str = 'Reliability') -> None:
    """Accuracy against confidence per bin, before (and after) temperature scaling, as PNG."""
    fig = Figure(figsize=(5.5, 5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ':', color='grey', label='perfectly calibrated')
    curves = [('uncalibrated', probs)]
    if temperature is not None:
        curves.append((f'T = {temperature:.3f}', apply_temperature(probs, temperature)))
    for name, p in curves:
        table = reliability_bins(p, y)
        used = np.asarray(table['count']) > 0
        ax.plot(np.asarray(table['confidence'])[used], np.asarray(table['accuracy'])[used], 'o-',
                label=f'{name} (ECE {expected_calibration_error(p, y):.4f})')
    ax.set_xlabel('confidence (top probability)')
    ax.set_ylabel('accuracy')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc='upper left')
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path)
