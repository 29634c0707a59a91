"""Recipes: train_best writes a loadable ensemble."""
import json
import os

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
