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

Runs trained with class weights (``--class-weight``) are calibrated for
the population the weights describe (``balanced``: every class equally
likely), not for the validation split's class proportions: every example
counts ``w[y]`` in the negative log-likelihood, the ECE and the fit, and
besides the temperature one bias per class is fitted
(:func:`fit_temperature_bias`, the bias-corrected temperature scaling of
Alexandari et al. 2020, *Maximum Likelihood with Bias-Corrected Calibration
is Hard-To-Beat at Label Shift Adaptation*): ``p = softmax(log(p) / T +
b)``. The bias is the prior correction: a network trained with weights
still calls held-out texts of a rare class, which it has partly memorized,
the common class too often, and the bias, fitted on texts it did not train
on, moves the decision back. Unlike the temperature, it can change the most
probable class.
"""
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure
from scipy.optimize import minimize, minimize_scalar

from ..inference.batches import apply_temperature
from .plots import save_figure

__all__ = ['ECE_BINS', 'RELIABILITY_PNG', 'apply_temperature', 'negative_log_likelihood',
           'fit_temperature', 'fit_temperature_bias', 'expected_calibration_error', 'reliability_bins',
           'calibration_report', 'plot_reliability']

#: equal-width bins of the top probability in the expected calibration error
ECE_BINS = 15
#: file name of the reliability diagram in a run directory
RELIABILITY_PNG = 'reliability.png'

_LOG_T_RANGE = (-4.0, 4.0)  # T in [0.018, 55]
_BIAS_RANGE = (-20.0, 20.0)


def _log_probs(probs: np.ndarray) -> np.ndarray:
    return np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-300, None))


def _example_weights(y: np.ndarray, weights: Optional[np.ndarray]) -> np.ndarray:
    """Each example's weight: ``weights`` as given, or 1 each."""
    return np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)


def negative_log_likelihood(probs: np.ndarray, y: np.ndarray,
                            weights: Optional[np.ndarray] = None) -> float:
    """Mean ``-log p[y]`` of class probabilities ``(n, K)`` and labels ``(n,)``.

    ``weights`` (one per example, e.g. ``class_weights[y]``) make it the
    weighted mean.
    """
    y = np.asarray(y, dtype=np.int64)
    picked = -_log_probs(np.asarray(probs)[np.arange(len(y)), y])
    return float(np.average(picked, weights=_example_weights(y, weights)))


def _scaled_nll(log_p: np.ndarray, y: np.ndarray, w: np.ndarray, log_t: float,
                bias: np.ndarray) -> Tuple[float, np.ndarray]:
    """Weighted NLL of ``softmax(log_p / T + bias)`` and ``softmax - onehot`` (for gradients)."""
    scaled = log_p / np.exp(log_t) + bias
    scaled -= scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled).sum(axis=1))
    nll = float(np.dot(w, log_norm - scaled[np.arange(len(y)), y]) / w.sum())
    residual = np.exp(scaled - log_norm[:, None])
    residual[np.arange(len(y)), y] -= 1.0
    return nll, residual


def fit_temperature(probs: np.ndarray, y: np.ndarray,
                    weights: Optional[np.ndarray] = None) -> float:
    """The temperature ``T`` that minimizes the NLL of ``apply_temperature(probs, T)`` on ``y``.

    A bounded scalar search (:func:`scipy.optimize.minimize_scalar`) on
    ``log T`` in [-4, 4]; 1.0 when ``y`` is empty. ``weights`` (one per
    example) weight the NLL.
    """
    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        return 1.0
    log_p = _log_probs(probs)
    w = _example_weights(y, weights)

    def nll(log_t: float) -> float:
        return _scaled_nll(log_p, y, w, log_t, 0.0)[0]

    found = minimize_scalar(nll, bounds=_LOG_T_RANGE, method='bounded',
                            options={'xatol': 1e-5})
    best = float(found.x) if nll(float(found.x)) < nll(0.0) else 0.0
    return float(np.exp(best))


def fit_temperature_bias(probs: np.ndarray, y: np.ndarray,
                         weights: Optional[np.ndarray] = None) -> Tuple[float, np.ndarray]:
    """``T`` and a bias per class minimizing the (weighted) NLL of ``softmax(log p / T + b)``.

    L-BFGS-B on ``(log T, b_1 .. b_{K-1})`` with their exact gradients,
    ``b_0 = 0`` (adding one number to every class changes nothing); the
    search starts from no bias at :func:`fit_temperature`'s ``T``. Returns
    ``(1.0, zeros)`` for no example.
    """
    y = np.asarray(y, dtype=np.int64)
    k = np.asarray(probs).shape[1]
    if len(y) == 0:
        return 1.0, np.zeros(k)
    log_p = _log_probs(probs)
    w = _example_weights(y, weights)

    def objective(theta: np.ndarray) -> Tuple[float, np.ndarray]:
        bias = np.concatenate([[0.0], theta[1:]])
        nll, residual = _scaled_nll(log_p, y, w, theta[0], bias)
        weighted = residual * (w / w.sum())[:, None]
        grad_t = -float((weighted * log_p).sum()) / np.exp(theta[0])
        return nll, np.concatenate([[grad_t], weighted.sum(axis=0)[1:]])

    start = np.concatenate([[np.log(fit_temperature(probs, y, w))], np.zeros(k - 1)])
    found = minimize(objective, start, jac=True, method='L-BFGS-B',
                     bounds=[_LOG_T_RANGE] + [_BIAS_RANGE] * (k - 1))
    theta = found.x if objective(found.x)[0] <= objective(start)[0] else start
    return float(np.exp(theta[0])), np.concatenate([[0.0], theta[1:]])


def reliability_bins(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS,
                     weights: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """Per bin of the top probability: ``count``, mean ``confidence`` and ``accuracy`` (lists).

    With ``weights`` (one per example), ``count`` is the weight in the bin
    and the means are weighted.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    w = _example_weights(y, weights)
    top = probs.max(axis=1) if len(probs) else np.zeros(0)
    hit = (probs.argmax(axis=1) == y) if len(probs) else np.zeros(0, bool)
    which = np.minimum((top * bins).astype(np.int64), bins - 1)  # 1.0 goes to the last bin
    count = np.bincount(which, weights=w, minlength=bins)
    conf = np.bincount(which, weights=w * top, minlength=bins)
    acc = np.bincount(which, weights=w * hit, minlength=bins)
    safe = np.where(count > 0, count, 1.0)
    return {'count': (count if weights is not None else count.astype(np.int64)).tolist(),
            'confidence': (conf / safe).tolist(), 'accuracy': (acc / safe).tolist()}


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = ECE_BINS,
                               weights: Optional[np.ndarray] = None) -> float:
    """ECE: the size-weighted mean of ``|accuracy - confidence|`` over ``bins`` equal-width bins.

    ``weights`` (one per example) weight the examples (see :func:`reliability_bins`).
    """
    table = reliability_bins(probs, y, bins, weights)
    count = np.asarray(table['count'], dtype=np.float64)
    if count.sum() == 0:
        return 0.0
    gap = np.abs(np.asarray(table['accuracy']) - np.asarray(table['confidence']))
    return float((count * gap).sum() / count.sum())


def calibration_report(probs: np.ndarray, y: np.ndarray, temperature: Optional[float],
                       bias: Optional[Sequence[float]] = None,
                       weights: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """``temperature`` (and ``bias``), ``ece_before``/``ece_after``, ``nll_before``/``nll_after``.

    With ``weights`` (one per example) the ECE and NLL are weighted and
    ``weighted`` is True.
    """
    after = apply_temperature(probs, temperature, bias)
    report = {'temperature': temperature, 'bins': ECE_BINS, 'n': int(len(y)),
              'ece_before': expected_calibration_error(probs, y, weights=weights),
              'ece_after': expected_calibration_error(after, y, weights=weights),
              'nll_before': negative_log_likelihood(probs, y, weights) if len(y) else None,
              'nll_after': negative_log_likelihood(after, y, weights) if len(y) else None}
    if bias is not None or weights is not None:
        report.update(bias=None if bias is None else [float(b) for b in bias],
                      weighted=weights is not None)
    return report


def plot_reliability(probs: np.ndarray, y: np.ndarray, path: str,
                     temperature: Optional[float] = None, title: str = 'Reliability',
                     bias: Optional[Sequence[float]] = None,
                     weights: Optional[np.ndarray] = None) -> None:
    """Accuracy against confidence per bin, before (and after) calibration, as PNG.

    ``bias`` and ``weights`` as in :func:`calibration_report`.
    """
    fig = Figure(figsize=(5.5, 5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ':', color='grey', label='perfectly calibrated')
    curves = [('uncalibrated', probs)]
    if temperature is not None:
        curves.append((f'T = {temperature:.3f}' + ('' if bias is None else ', bias'),
                       apply_temperature(probs, temperature, bias)))
    for name, p in curves:
        table = reliability_bins(p, y, weights=weights)
        used = np.asarray(table['count']) > 0
        ece = expected_calibration_error(p, y, weights=weights)
        ax.plot(np.asarray(table['confidence'])[used], np.asarray(table['accuracy'])[used], 'o-',
                label=f'{name} (ECE {ece:.4f})')
    ax.set_xlabel('confidence (top probability)' + ('' if weights is None else ', class-weighted'))
    ax.set_ylabel('accuracy')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc='upper left')
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path)
