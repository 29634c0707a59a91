"""Stratified cross-validation folds."""
import numpy as np
import pytest

from gluon_sentiment.data import DataConfig
from gluon_sentiment.data.folds import fold_dataset, stratified_folds
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


def test_a_class_too_small_for_the_folds_is_named_with_what_to_do():
    labels = np.array([0] * 10 + [1] * 2 + [2] * 10)
    with pytest.raises(ConfigError, match=r"--cv 3: class 'meh' has 2 example\(s\); 3 stratified "
                                          r'folds need at least 3 of each class.*add examples'):
        stratified_folds(labels, 3, class_names=('bad', 'meh', 'good'))
    # 2 folds of a class of 3 leave 1 in a fold's training part: no stratified validation split
    labels = np.array([0] * 10 + [1] * 3)
    with pytest.raises(ConfigError, match=r"--cv 2: class 'positive' has 3 example\(s\); 2 "
                                          r'stratified folds need at least 4.*use --cv 3'):
        stratified_folds(labels, 2, class_names=('negative', 'positive'))
    for train, _ in stratified_folds(labels, 3):  # 3 folds leave 2 of it in every training part
        assert np.bincount(labels[train]).min() == 2
    with pytest.raises(ConfigError, match='--cv 1: needs at least 2 folds'):
        stratified_folds(labels, 1)


def test_a_fold_too_small_for_its_validation_split_is_a_config_error():
    # 2 of each of 3 classes in the fold's training part: a 30% validation split holds 2 texts,
    # fewer than the classes (sklearn's ValueError before)
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    train, test = stratified_folds(labels, 2, seed=0)[0]
    with pytest.raises(ConfigError, match=r"--cv: a fold's 6 training examples \({'a': 2, 'b': 2, "
                                          r"'c': 2}\) cannot give a stratified --val-size 0.3"):
        fold_dataset(['x'] * 12, labels, train, test, DataConfig(val_size=0.3), 'd',
                     ('a', 'b', 'c'))
