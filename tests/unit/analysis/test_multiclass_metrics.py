"""K-class metrics, temperature scaling and the expected calibration error."""
import numpy as np
import pytest

from gluon_sentiment.analysis.calibration import (expected_calibration_error, fit_temperature,
                                                  negative_log_likelihood, reliability_bins)
from gluon_sentiment.analysis.metrics import multiclass_metrics
from gluon_sentiment.inference.batches import apply_temperature, softmax


def test_multiclass_metrics_by_hand():
    y = np.array([0, 0, 1, 1, 2, 2])
    probs = np.eye(3)[[0, 1, 1, 1, 2, 0]] * 0.7 + 0.1
    m = multiclass_metrics(y, probs, ('a', 'b', 'c'))
    assert m['accuracy'] == pytest.approx(4 / 6)
    assert m['confusion_matrix'] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    # a: P 1/2 R 1/2 F 1/2; b: P 2/3 R 1 F 0.8; c: P 1 R 1/2 F 2/3
    assert m['per_class']['b'] == {'precision': pytest.approx(2 / 3), 'recall': 1.0,
                                   'f1': pytest.approx(0.8), 'support': 2}
    assert m['macro_f1'] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    # one-vs-rest AUC of each class's column (pairs won, ties half): a 5/8, b 7/8, c 6/8
    assert m['roc_auc'] == pytest.approx((5 / 8 + 7 / 8 + 6 / 8) / 3)
    assert m['class_names'] == ['a', 'b', 'c']
    assert multiclass_metrics(np.array([0, 0]), probs[:2], ('a', 'b', 'c'))['roc_auc'] is None


def test_temperature_lowers_the_nll_and_keeps_the_argmax():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 500)
    logits = rng.normal(size=(500, 3)) + 2.0 * np.eye(3)[y]
    probs = softmax(logits * 4.0)  # overconfident: the best temperature is well above 1
    temperature = fit_temperature(probs, y)
    assert 1.5 < temperature < 6
    calibrated = apply_temperature(probs, temperature)
    assert negative_log_likelihood(calibrated, y) < negative_log_likelihood(probs, y) - 0.1
    np.testing.assert_array_equal(calibrated.argmax(axis=1), probs.argmax(axis=1))
    assert expected_calibration_error(calibrated, y) < expected_calibration_error(probs, y)
    assert apply_temperature(probs, None) is not None
    np.testing.assert_array_equal(apply_temperature(probs, None), probs)


def test_ece_by_hand():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]])
    y = np.array([0, 1, 1, 1])
    # bins of 1/15: 0.9 -> 13, 0.8 -> 12, 0.7 -> 10, 0.55 -> 8; each holds one example
    table = reliability_bins(probs, y)
    assert [i for i, n in enumerate(table['count']) if n] == [8, 10, 12, 13]
    want = (abs(1 - 0.9) + abs(0 - 0.8) + abs(1 - 0.7) + abs(1 - 0.55)) / 4
    assert expected_calibration_error(probs, y) == pytest.approx(want)
