"""Learning curves, classification metrics, confident errors and the confusion matrix picture."""
import os

import matplotlib.image
import numpy as np
import pytest
from sklearn import metrics as skm

from analysis_fixtures import assert_picture, run_dir  # noqa: F401
from gluon_sentiment.analysis.metrics import classification_metrics, confident_errors
from gluon_sentiment.analysis.plots import plot_confusion_matrix, plot_learning_curves
from gluon_sentiment.data.reader import Reviews


def test_training_writes_learning_curves(run_dir):
    assert_picture(os.path.join(run_dir[0], 'learning_curves.png'), 1000, 400)


def test_learning_curves_differ_with_history(tmp_path):
    rows = [{'epoch': e, 'train_loss': 1 / e, 'val_loss': 1.2 / e, 'train_accuracy': 1 - 0.5 / e,
             'val_accuracy': 1 - 0.6 / e} for e in (1, 2, 3)]
    plot_learning_curves(rows, str(tmp_path / 'a.png'))
    plot_learning_curves(rows[:2], str(tmp_path / 'b.png'))
    assert_picture(str(tmp_path / 'a.png'), 1000, 400)
    a = matplotlib.image.imread(str(tmp_path / 'a.png'))
    b = matplotlib.image.imread(str(tmp_path / 'b.png'))
    assert a.shape == b.shape and not np.array_equal(a, b)


def test_metrics_match_scikit_learn():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 1])
    p = np.array([0.9, 0.8, 0.3, 0.6, 0.2, 0.7, 0.1, 0.4, 0.55, 0.45])
    got = classification_metrics(y, p)
    pred = (p > 0.5).astype(int)
    assert got['accuracy'] == pytest.approx(skm.accuracy_score(y, pred)) == 0.6
    assert got['precision'] == pytest.approx(skm.precision_score(y, pred)) == 0.6
    assert got['recall'] == pytest.approx(skm.recall_score(y, pred)) == 0.6
    assert got['f1'] == pytest.approx(skm.f1_score(y, pred))
    assert got['roc_auc'] == pytest.approx(skm.roc_auc_score(y, p)) == 0.76  # 19 of 25 pairs
    assert got['confusion_matrix'] == [[3, 2], [2, 3]]
    assert (got['n'], got['n_positive']) == (10, 5)
    assert classification_metrics(np.ones(3), np.array([0.9, 0.2, 0.7]))['roc_auc'] is None


def test_confident_errors_surest_first():
    reviews = Reviews(['a', 'b', 'c', 'd'], np.array([1, 0, 1, 0]), ['s0', 's1', 's2', 's3'])
    errors = confident_errors(reviews, np.array([0.4, 0.95, 0.05, 0.2]), k=5)
    assert [e['source'] for e in errors] == ['s2', 's1', 's0']
    assert errors[0]['true'] == 'positive' and errors[0]['predicted'] == 'negative'


def test_confusion_matrix_picture(tmp_path):
    plot_confusion_matrix(np.array([[40, 10], [5, 45]]), str(tmp_path / 'cm.png'))
    assert_picture(str(tmp_path / 'cm.png'), 500, 450)
