"""Ensembles of K-class members: the classes must agree; the temperature calibrates the average."""
import numpy as np
import pytest

from gluon_sentiment.inference import EnsembleClassifier
from gluon_sentiment.inference.batches import apply_temperature


class Fixed:
    """A member that answers the same probabilities for every text."""

    def __init__(self, probs, class_names=('negative', 'positive')):
        self.probs = np.asarray(probs, dtype=np.float64)
        self.class_names = class_names

    def predict_proba(self, texts):
        return np.tile(self.probs, (len(texts), 1))


def test_members_must_agree_on_classes():
    with pytest.raises(ValueError, match='disagree on the classes'):
        EnsembleClassifier([Fixed([0.5, 0.5]), Fixed([0.2, 0.3, 0.5], ('a', 'b', 'c'))])
    ens = EnsembleClassifier([Fixed([0.1, 0.2, 0.7], ('a', 'b', 'c'))] * 2)
    assert ens.class_names == ('a', 'b', 'c')


def test_temperature_calibrates_the_averaged_probabilities_and_threshold_decides():
    ens = EnsembleClassifier([Fixed([0.9, 0.1]), Fixed([0.5, 0.5])])
    average = np.array([[0.7, 0.3]])
    np.testing.assert_allclose(ens.predict_proba(['x']), average)
    ens.temperature = 2.0
    np.testing.assert_allclose(ens.predict_proba(['x']), apply_temperature(average, 2.0))
    assert ens.predict(['x']).tolist() == [0]
    ens.threshold = 0.2
    assert ens.predict(['x']).tolist() == [1]
