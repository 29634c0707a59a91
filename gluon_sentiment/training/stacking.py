"""Ensemble weights fitted on a validation slice, with the ensemble's temperature.

An :class:`~gluon_sentiment.inference.EnsembleClassifier` averages its
members' class probabilities with fixed non-negative weights, then divides
the log of the average by its temperature (``calibration.temperature`` in
``ensemble.json``). Given each member's probabilities on the same
validation texts, :func:`fit_weights` chooses both at once: the weights
``w`` on the simplex and the temperature ``T`` that minimize the negative
log-likelihood of the calibrated average,

    (w*, T*) = argmin  NLL( apply_temperature(sum_m w_m p_m, T) ),  w >= 0, sum_m w_m = 1.

For each candidate ``w`` the temperature is the 1-D optimum of
:func:`~gluon_sentiment.analysis.calibration.fit_temperature`, so the
search runs over the weights alone: with two members a grid of 21 points
then a bounded search around the best; with more, Nelder-Mead on the
weights' logits from the :func:`mixture_weights` start.

Fitting the temperature with the weights matters: averaging calibrated
members gives under-confident probabilities (an ensemble's temperature is
typically 0.75-0.85 here), and the weights that minimize the log-loss of
the *uncalibrated* average (:func:`mixture_weights`, the EM solution of a
mixture with fixed components; convex, global) lean towards the most
confident member. The ensemble format is unchanged: the weights and the
temperature are written to ``ensemble.json`` like hand-set ones.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from ..analysis.calibration import apply_temperature, fit_temperature, negative_log_likelihood

__all__ = ['fit_weights', 'mixture_weights', 'mixture_nll', 'calibrated_nll', 'weighted_average']

_FLOOR = 1e-12  # a member's probability of the true class never counts as exactly 0
_GRID = 21  # weights of the first of two members tried before the bounded search


def _check(probs: Sequence[np.ndarray], y: np.ndarray) -> np.ndarray:
    if not len(probs):
        raise ValueError('an ensemble needs at least one member')
    y = np.asarray(y, dtype=np.int64)
    for p in probs:
        p = np.asarray(p)
        if p.ndim != 2 or len(p) != len(y):
            raise ValueError(f'member probabilities must be (n, K) with n = {len(y)} labels, '
                             f'got shape {p.shape}')
    return y


def weighted_average(probs: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """The ``weights``-weighted mean of ``probs`` (normalized to sum 1), in float64.

    The same arithmetic as :class:`~gluon_sentiment.inference.EnsembleClassifier`
    before its temperature: each member's float64 probabilities times its
    normalized weight, added in member order.
    """
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    return sum(wi * np.asarray(p, dtype=np.float64) for wi, p in zip(w, probs))


def mixture_nll(probs: Sequence[np.ndarray], y: np.ndarray, weights: Sequence[float]) -> float:
    """Mean negative log-likelihood of the ``weights``-weighted mean of ``probs`` on labels ``y``.

    ``weights`` are normalized to sum 1; no temperature.
    """
    y = _check(probs, y)
    return negative_log_likelihood(np.maximum(weighted_average(probs, weights), _FLOOR), y)


def calibrated_nll(probs: Sequence[np.ndarray], y: np.ndarray, weights: Sequence[float],
                   temperature: Optional[float] = None) -> float:
    """:func:`mixture_nll` after the temperature (fitted on ``y`` when None)."""
    y = _check(probs, y)
    average = np.maximum(weighted_average(probs, weights), _FLOOR)
    if temperature is None:
        temperature = fit_temperature(average, y)
    return negative_log_likelihood(apply_temperature(average, temperature), y)


def mixture_weights(probs: Sequence[np.ndarray], y: np.ndarray, max_iter: int = 1000,
                    tol: float = 1e-10) -> np.ndarray:
    """Convex weights of minimum log-loss of the uncalibrated weighted mean (EM).

    The update ``w_m <- mean_i w_m p_m(y_i) / sum_k w_k p_k(y_i)`` stays on
    the simplex, never increases the (convex) loss and converges to its
    global minimum from the equal weights it starts at.

    Parameters
    ----------
    probs : sequence of numpy.ndarray
        Each member's class probabilities ``(n, K)`` on the same ``n`` texts.
    y : numpy.ndarray
        The labels ``(n,)``, ``0 .. K-1``.
    max_iter, tol
        At most ``max_iter`` steps; stop when one improves the loss by less than ``tol``.

    Returns
    -------
    numpy.ndarray
        float64 weights ``(members,)`` summing to 1; equal when ``y`` is empty.

    Raises
    ------
    ValueError
        Without members, or when a member has not one row of probabilities per label.
    """
    y = _check(probs, y)
    w = np.full(len(probs), 1.0 / len(probs))
    if not len(y):
        return w
    q = np.maximum(np.stack([np.asarray(p, dtype=np.float64)[np.arange(len(y)), y]
                             for p in probs], axis=1), _FLOOR)
    loss = float(-np.log(q @ w).mean())
    for _ in range(max_iter):
        w = (q * w / (q @ w)[:, None]).mean(axis=0)
        w /= w.sum()
        new = float(-np.log(q @ w).mean())
        if loss - new < tol:
            break
        loss = new
    return w


def fit_weights(probs: Sequence[np.ndarray], y: np.ndarray) -> Tuple[np.ndarray, float]:
    """Weights and temperature of minimum validation NLL together (see the module docstring).

    Parameters
    ----------
    probs : sequence of numpy.ndarray
        Each member's class probabilities ``(n, K)`` on the same ``n``
        validation texts (the members' own calibration applied, as the
        ensemble sees them).
    y : numpy.ndarray
        The labels ``(n,)``, ``0 .. K-1``.

    Returns
    -------
    (numpy.ndarray, float)
        float64 weights ``(members,)``, non-negative and summing to 1, and
        the temperature of their average; equal weights and 1.0 when ``y``
        is empty.

    Raises
    ------
    ValueError
        Without members, or when a member has not one row of probabilities per label.
    """
    y = _check(probs, y)
    if not len(y):
        return np.full(len(probs), 1.0 / len(probs)), 1.0
    if len(probs) == 1:
        w = np.ones(1)
    elif len(probs) == 2:
        w = _two_members(probs, y)
    else:
        w = _many_members(probs, y)
    return w, fit_temperature(np.maximum(weighted_average(probs, w), _FLOOR), y)


def _two_members(probs: Sequence[np.ndarray], y: np.ndarray) -> np.ndarray:
    def loss(a: float) -> float:
        return calibrated_nll(probs, y, [a, 1 - a])

    grid = np.linspace(0, 1, _GRID)
    best = int(np.argmin([loss(a) for a in grid]))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, _GRID - 1)]
    found = minimize_scalar(loss, bounds=(lo, hi), method='bounded', options={'xatol': 1e-5})
    a = float(found.x) if loss(float(found.x)) < loss(grid[best]) else float(grid[best])
    return np.array([a, 1 - a])


def _many_members(probs: Sequence[np.ndarray], y: np.ndarray) -> np.ndarray:
    def weights(z: np.ndarray) -> np.ndarray:
        z = np.append(z, 0.0)
        e = np.exp(z - z.max())
        return e / e.sum()

    start = np.maximum(mixture_weights(probs, y), 1e-6)
    start /= start.sum()
    z0 = np.log(start[:-1] / start[-1])
    found = minimize(lambda z: calibrated_nll(probs, y, weights(z)), z0, method='Nelder-Mead',
                     options={'xatol': 1e-5, 'fatol': 1e-10, 'maxiter': 200 * len(probs)})
    w = weights(found.x)
    return w if calibrated_nll(probs, y, w) <= calibrated_nll(probs, y, start) else start
