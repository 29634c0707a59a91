"""Training the recurrent and n-gram models and the full protocol end to end (synthetic data)."""
import json

import pytest

import gluon_sentiment as gs
from gluon_sentiment import train as train_cli


FAST = ['--seq-len', '40', '--embed-size', '8', '--batch-size', '16', '--quiet']


def test_full_protocol_trains_on_all_but_validation(review_folder, tmp_path):
    out = tmp_path / 'full'
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--protocol', 'full',
                           '--full-val-size', '0.1', '--epochs', '1', '--model', 'ngram'] +
                          FAST) == 0
    metrics = json.load(open(out / 'metrics.json'))
    assert metrics['sizes'] == {'train': 72, 'val': 8}
    assert 'test_accuracy' not in metrics and metrics['status'] == 'done'


@pytest.mark.parametrize('model', ['ngram', 'bigru'])
def test_new_models_learn_synthetic_sentiment(review_folder, tmp_path, model):
    out = tmp_path / model
    lr = '0.05' if model == 'ngram' else '0.01'
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--model', model,
                           '--epochs', '6', '--lr', lr] + FAST) == 0
    clf = gs.load_model(str(out))
    assert list(clf.predict(['loved it brilliant superb', 'hated it dull worst'])) == [1, 0]
