"""train_best with weights fitted on the validation slice (training.stacking)."""
import json
import os

import numpy as np
import pytest

import gluon_sentiment as gs
from gluon_sentiment.analysis.calibration import negative_log_likelihood
from gluon_sentiment.data.pipeline import read_splits
from gluon_sentiment.training.recipes import member_configs, train_best
from gluon_sentiment.training.stacking import calibrated_nll
from train_fixtures import tiny_best_members


def test_fitted_weights_are_saved_loaded_and_no_worse_than_equal(review_folder, tmp_path):
    members = tiny_best_members(5.0, 2)
    out = str(tmp_path / 'best')
    report = train_best(review_folder, out, test_data=review_folder, members=members, fit=True,
                        full_val_size=0.2)
    spec = json.load(open(os.path.join(out, 'ensemble.json')))
    assert report['weights_fitted'] is True
    assert sum(spec['weights']) == pytest.approx(1)
    assert [row['weight'] for row in report['members']] == pytest.approx(spec['weights'])
    clf = gs.load_model(out)
    assert list(clf.weights) == pytest.approx(spec['weights'])
    assert clf.temperature == pytest.approx(report['calibration']['temperature'])
    # the fitted weights' validation loss (after the temperature) is at most that of equal
    # weights, of the given ones or of either member alone
    config = member_configs(review_folder, out, members=members, full_val_size=0.2)[0]
    _, reviews, index, _ = read_splits(config, config.seed)
    texts, y = [reviews.texts[i] for i in index['val']], reviews.labels[index['val']]
    probs = [member.predict_proba(texts) for member in clf.members]
    fitted = calibrated_nll(probs, y, clf.weights, clf.temperature)
    for weights in ([1, 1], [1, 0], [0, 1], [5, 1]):
        assert fitted <= calibrated_nll(probs, y, weights) + 1e-7
    # the ensemble's own figures: validation accuracy and, on --test-data, ECE and NLL
    assert report['val_accuracy'] == pytest.approx(float((clf.predict(texts) == y).mean()))
    test_probs = clf.predict_proba(reviews.texts)
    assert report['test_calibration']['nll'] == pytest.approx(
        negative_log_likelihood(test_probs, reviews.labels))
    assert 0 <= report['test_calibration']['ece'] <= 1
    assert report['test_accuracy'] == pytest.approx(
        float((np.argmax(test_probs, axis=1) == reviews.labels).mean()))
