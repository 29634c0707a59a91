"""Stratified cross-validation folds."""
import numpy as np
import pytest

from gluon_sentiment.data.folds import stratified_folds
from gluon_sentiment.errors import ConfigError


def test_folds_stratified_and_disjoint():
    labels = np.array([1] * 30 + [0] * 20)
    folds = stratified_folds(labels, 5, seed=7)
    held_out = np.concatenate([test for _, test in folds])
    assert sorted(held_out.tolist()) == list(range(50))  # disjoint, covering all
    for train, test in folds:
        assert not set(train) & set(test)
        assert np.bincount(labels[test]).tolist() == [4, 6]  # the 40/60 class balance
    again = stratified_folds(labels, 5, seed=7)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    with pytest.raises(ConfigError, match='--cv 5'):
        stratified_folds(np.array([1] * 10 + [0] * 3), 5)
