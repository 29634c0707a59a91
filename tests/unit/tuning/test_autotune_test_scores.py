"""Autotune's scores on --test-data: macro-F1 over every class of a K-class model, in its order."""
import csv

import numpy as np
import pytest

from gluon_sentiment.tuning import study
from gluon_sentiment.tuning import AutotuneOptions
from gluon_sentiment.tuning.study import _test_scores

TRUE = ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']
PREDICTED = ['a', 'a', 'b', 'b', 'b', 'b', 'c', 'a', 'c']


class FakeClassifier:
    """Predicts PREDICTED[i] for the text 'review i', as an index into its own class order."""

    def __init__(self, class_names):
        self.class_names = tuple(class_names)

    def predict(self, texts):
        return np.array([self.class_names.index(PREDICTED[int(t.split()[1])]) for t in texts])


@pytest.mark.parametrize('order', [('a', 'b', 'c'), ('c', 'a', 'b')])
def test_macro_f1_counts_every_class_in_the_model_order(tmp_path, monkeypatch, order):
    path = tmp_path / 'test.csv'
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['text', 'label'])
        writer.writerows([f'review {i}', label] for i, label in enumerate(TRUE))
    monkeypatch.setattr(study, 'load_model', lambda folder: FakeClassifier(order))
    scores = _test_scores(AutotuneOptions(data=str(path), test_data=str(path),
                                          output_dir=str(tmp_path / 'auto')))
    # by hand: F1 of a 2/3 (P 2/3, R 2/3), b 6/7 (P 3/4, R 1), c 4/5 (P 1, R 2/3)
    assert scores['test_accuracy'] == pytest.approx(7 / 9)
    assert scores['test_macro_f1'] == pytest.approx((2 / 3 + 6 / 7 + 4 / 5) / 3)
    assert scores['test_size'] == 9
