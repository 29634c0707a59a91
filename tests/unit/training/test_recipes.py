"""Recipes: train_best writes a loadable ensemble."""
import json
import os
import weakref

import numpy as np
import pytest

import gluon_sentiment as gs
from gluon_sentiment.errors import RunDirError
from train_fixtures import tiny_best_members


def test_train_best_writes_a_loadable_ensemble(review_folder, tmp_path):
    from gluon_sentiment.training.recipes import train_best
    members = tiny_best_members(2.0, 3)
    out = str(tmp_path / 'best')
    report = train_best(review_folder, out, test_data=review_folder, members=members,
                        fit=False, full_val_size=0.1)
    assert [row['weight'] for row in report['members']] == [2.0, 1.0]
    assert report['sizes'] == {'val': 8, 'test': 80}
    clf = gs.load_model(out)
    assert list(clf.weights) == pytest.approx([2 / 3, 1 / 3])
    stored = json.load(open(os.path.join(out, 'metrics.json')))
    assert stored['val_accuracy'] == report['val_accuracy']
    # the members keep what load_model needs, not every epoch's checkpoint
    assert 'epoch-0001.params' not in os.listdir(os.path.join(out, 'members', '00-ngram'))
    with pytest.raises(RunDirError, match='--overwrite'):
        train_best(review_folder, out, members=members)


def test_members_are_released_and_scored_one_at_a_time_as_the_loaded_ensemble_scores(
        review_folder, tmp_path, monkeypatch):
    from gluon_sentiment.analysis.calibration import expected_calibration_error
    from gluon_sentiment.data.pipeline import read_splits
    from gluon_sentiment.training import recipes
    from gluon_sentiment.training.stacking import fit_weights
    out, members = str(tmp_path / 'best'), tiny_best_members(1.0, 2)
    loaded, released = [], []

    def load_one(path):  # no member loaded by _combine may be alive when the next one loads
        assert all(ref() is None for ref in loaded)
        classifier = gs.load_model(path)
        loaded.append(weakref.ref(classifier))
        return classifier

    def release():
        done = [m for m in sorted(os.listdir(os.path.join(out, 'members')))
                if os.path.isfile(os.path.join(out, 'members', m, 'metrics.json'))]
        released.append((done, len(loaded)))
        real_release()
    real_release = recipes.release_memory
    monkeypatch.setattr(recipes, 'load_model', load_one)
    monkeypatch.setattr(recipes, 'release_memory', release)
    report = recipes.train_best(review_folder, out, test_data=review_folder, members=members,
                                full_val_size=0.1)
    both = ['00-ngram', '01-multikernel']
    # after each member's training, then after each member's scores
    assert released == [(both[:1], 0), (both, 0), (both, 1), (both, 2)]
    # the figures are those of the ensemble loaded whole, as _combine computed them before
    monkeypatch.undo()
    ensemble = gs.load_model(out)
    config = recipes.member_configs(review_folder, out, review_folder, members,
                                    full_val_size=0.1)[0]
    _, reviews, index, test = read_splits(config, config.seed)
    texts, labels = [reviews.texts[i] for i in index['val']], reviews.labels[index['val']]
    weights, temperature = fit_weights([m.predict_proba(texts) for m in ensemble.members], labels)
    spec = json.load(open(os.path.join(out, 'ensemble.json')))
    assert spec['weights'] == [float(w) for w in weights]
    assert spec['calibration']['temperature'] == temperature == ensemble.temperature
    ensemble.weights = np.asarray(weights)
    assert report['val_accuracy'] == float((ensemble.predict(texts) == labels).mean())
    test_probs = ensemble.predict_proba(test.texts)
    assert report['test_accuracy'] == float((test_probs.argmax(1) == test.labels).mean())
    assert report['test_calibration']['ece'] == expected_calibration_error(test_probs,
                                                                           test.labels)
