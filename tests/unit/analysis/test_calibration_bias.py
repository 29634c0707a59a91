"""Class-weighted calibration: weighted NLL/ECE, the temperature-and-bias fit, the prior correction."""
import numpy as np
import pytest

from gluon_sentiment.analysis.calibration import (calibration_report, expected_calibration_error,
                                                  fit_temperature, fit_temperature_bias,
                                                  negative_log_likelihood, reliability_bins)
from gluon_sentiment.inference.batches import apply_temperature, softmax


def _shifted_sample(n, temperature, bias, seed=0):
    """Network probabilities and labels drawn from softmax(logits / temperature + bias)."""
    rng = np.random.RandomState(seed)
    logits = rng.normal(scale=3.0, size=(n, 3))
    truth = softmax(logits / temperature + np.asarray(bias))
    y = np.array([rng.choice(3, p=p) for p in truth])
    return softmax(logits), y


def test_apply_temperature_with_bias_is_the_formula():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    bias = [0.0, 0.5, -1.0]
    want = softmax(np.log(probs) / 2.0 + np.array(bias))
    np.testing.assert_allclose(apply_temperature(probs, 2.0, bias), want, rtol=1e-12)
    np.testing.assert_allclose(apply_temperature(probs, None, bias),
                               softmax(np.log(probs) + np.array(bias)), rtol=1e-12)
    np.testing.assert_array_equal(apply_temperature(probs, None, None), probs)


def test_fit_temperature_bias_recovers_a_known_shift():
    probs, y = _shifted_sample(20000, 2.0, [0.0, -1.0, 0.7])
    temperature, bias = fit_temperature_bias(probs, y)
    assert temperature == pytest.approx(2.0, rel=0.06)
    np.testing.assert_allclose(bias, [0.0, -1.0, 0.7], atol=0.08)
    fitted = apply_temperature(probs, temperature, bias)
    only_t = apply_temperature(probs, fit_temperature(probs, y))
    assert negative_log_likelihood(fitted, y) < negative_log_likelihood(only_t, y) - 0.01


def test_weights_count_like_copies():
    probs, y = _shifted_sample(600, 1.5, [0.0, 0.8, -0.5], seed=1)
    weights = np.where(y == 2, 3.0, 1.0)
    copies = np.concatenate([np.arange(len(y)), np.repeat(np.flatnonzero(y == 2), 2)])
    assert negative_log_likelihood(probs, y, weights) == pytest.approx(
        negative_log_likelihood(probs[copies], y[copies]))
    assert expected_calibration_error(probs, y, weights=weights) == pytest.approx(
        expected_calibration_error(probs[copies], y[copies]))
    assert fit_temperature(probs, y, weights) == pytest.approx(
        fit_temperature(probs[copies], y[copies]), rel=1e-3)
    t_w, b_w = fit_temperature_bias(probs, y, weights)
    t_c, b_c = fit_temperature_bias(probs[copies], y[copies])
    assert t_w == pytest.approx(t_c, rel=1e-3)
    np.testing.assert_allclose(b_w, b_c, atol=1e-3)
    assert sum(reliability_bins(probs, y, weights=weights)['count']) == pytest.approx(
        weights.sum())


def test_balanced_weights_correct_the_prior_of_an_imbalanced_validation_split():
    # validation 9:1; the network calls too many texts positive even for a balanced population
    rng = np.random.RandomState(2)
    y = (rng.rand(4000) < 0.9).astype(np.int64)
    margin = rng.normal(size=4000) * 1.5 + np.where(y == 1, 1.0, -1.0) + 1.2
    probs = softmax(np.stack([np.zeros(4000), margin], axis=1))
    weights = (len(y) / (2 * np.bincount(y)))[y]
    temperature, bias = fit_temperature_bias(probs, y, weights)
    assert bias[1] < -0.8  # the correction lowers the positive logit
    corrected = apply_temperature(probs, temperature, bias).argmax(axis=1)
    recall = [(corrected[y == c] == c).mean() for c in (0, 1)]
    raw = probs.argmax(axis=1)
    raw_recall = [(raw[y == c] == c).mean() for c in (0, 1)]
    assert np.mean(recall) > np.mean(raw_recall) + 0.05
    assert abs(recall[0] - recall[1]) < 0.1
    # the temperature alone never moves the decision
    np.testing.assert_array_equal(apply_temperature(probs, temperature).argmax(axis=1), raw)


def test_report_of_a_weighted_fit():
    probs, y = _shifted_sample(500, 1.0, [0.0, 0.0, 0.0], seed=3)
    weights = np.where(y == 0, 2.0, 1.0)
    report = calibration_report(probs, y, 1.2, [0.0, 0.1, -0.1], weights)
    assert report['weighted'] is True and report['bias'] == [0.0, 0.1, -0.1]
    after = apply_temperature(probs, 1.2, [0.0, 0.1, -0.1])
    assert report['nll_after'] == pytest.approx(negative_log_likelihood(after, y, weights))
    assert 'bias' not in calibration_report(probs, y, 1.2)
