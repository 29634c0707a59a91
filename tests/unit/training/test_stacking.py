"""Ensemble weights fitted on validation probabilities (training.stacking)."""
import numpy as np
import pytest

from gluon_sentiment.analysis.calibration import fit_temperature
from gluon_sentiment.training.stacking import (calibrated_nll, fit_weights, mixture_nll,
                                               mixture_weights)


def _member(rng, sign, strength, noise):
    logit = strength * sign + noise * rng.randn(len(sign))
    p = 1 / (1 + np.exp(-logit))
    return np.stack([1 - p, p], axis=1)


def _members(seed=0, n=2000):
    """Labels and three members' probabilities: a sharp one, a weaker one, and a coin."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, n)
    sign = 2 * y - 1
    return y, [_member(rng, sign, 2.0, 2.0), _member(rng, sign, 1.0, 2.5), np.full((n, 2), 0.5)]


def test_mixture_weights_reach_the_minimum_of_the_uncalibrated_loss():
    y, probs = _members()
    w = mixture_weights(probs[:2], y)
    assert w.shape == (2,) and w.min() >= 0 and w.sum() == pytest.approx(1)
    fitted = mixture_nll(probs[:2], y, w)
    assert fitted < mixture_nll(probs[:2], y, [1, 1]) - 1e-4
    grid = [mixture_nll(probs[:2], y, [a, 1 - a]) for a in np.linspace(0, 1, 201)]
    assert fitted <= min(grid) + 1e-6  # the global minimum of the convex loss
    assert w[0] > w[1]  # the sharper member weighs more
    assert mixture_weights(probs, y)[2] < 0.02  # the coin


def test_weights_and_temperature_fitted_together_beat_equal_and_fixed_weights():
    y, probs = _members(seed=3)
    w, temperature = fit_weights(probs[:2], y)
    assert w.sum() == pytest.approx(1) and w.min() >= 0
    fitted = calibrated_nll(probs[:2], y, w, temperature)
    assert temperature == pytest.approx(fit_temperature(w[0] * probs[0] + w[1] * probs[1], y),
                                        rel=1e-3)
    for weights in ([1, 1], [2, 1], [1, 0], [0, 1], mixture_weights(probs[:2], y)):
        assert fitted <= calibrated_nll(probs[:2], y, weights) + 1e-7
    grid = [calibrated_nll(probs[:2], y, [a, 1 - a]) for a in np.linspace(0, 1, 101)]
    assert fitted <= min(grid) + 1e-7


def test_averaging_under_confident_members_is_sharpened_by_the_temperature():
    y, probs = _members(seed=4)
    _, temperature = fit_weights(probs[:2], y)
    assert temperature < 1  # the average of two calibrated members is under-confident


def test_three_members():
    y, probs = _members(seed=1)
    w, temperature = fit_weights(probs, y)
    assert w.shape == (3,) and w.sum() == pytest.approx(1) and w[2] < 0.05
    best_pair = fit_weights(probs[:2], y)
    assert calibrated_nll(probs, y, w, temperature) <= calibrated_nll(
        probs[:2], y, *best_pair) + 1e-5


def test_more_classes_and_degenerate_inputs():
    rng = np.random.RandomState(2)
    y = rng.randint(0, 3, 300)
    good = np.full((300, 3), 0.1)
    said = np.where(rng.rand(300) < 0.8, y, (y + 1) % 3)  # right 4 times in 5
    good[np.arange(300), said] = 0.8
    flat = np.full((300, 3), 1 / 3)
    assert mixture_weights([good, flat], y)[0] > 0.9
    noise = rng.dirichlet(np.ones(3), 300)  # a member that guesses
    assert fit_weights([good, noise], y)[0][0] > 0.95
    w, temperature = fit_weights([good], y)
    assert w.tolist() == [1.0] and temperature == pytest.approx(fit_temperature(good, y))
    w, temperature = fit_weights([good[:0], flat[:0]], y[:0])  # nothing to fit
    assert w.tolist() == [0.5, 0.5] and temperature == 1.0


def test_wrong_shapes_are_refused():
    y, probs = _members(n=10)
    with pytest.raises(ValueError, match='at least one member'):
        fit_weights([], y)
    with pytest.raises(ValueError, match='10 labels'):
        fit_weights([probs[0][:5]], y)
    with pytest.raises(ValueError, match='10 labels'):
        mixture_weights([probs[0], probs[1][:, 0]], y)
