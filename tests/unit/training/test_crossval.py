"""Cross-validation training: a vocabulary per fold, and the --cv flag's errors."""
import json
import os

import numpy as np
import pytest

from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment import train as train_cli


def test_train_cv_builds_vocab_per_fold(tmp_path, monkeypatch, capsys):
    import gluon_sentiment.training.crossval as crossval
    texts, labels = synthetic_reviews(12)
    texts[0] += ' onlyinfirstreview'
    data = write_review_folder(tmp_path / 'd', texts, labels)
    seen = []
    real = crossval.fold_dataset

    def spy(tokens, labels, train_idx, test_idx, config, source, *class_names):
        dataset = real(tokens, labels, train_idx, test_idx, config, source, *class_names)
        seen.append(('onlyinfirstreview' in dataset.vocab.token_to_idx, 0 in test_idx))
        return dataset
    monkeypatch.setattr(crossval, 'fold_dataset', spy)
    assert train_cli.main(['--data', data, '--output-dir', str(tmp_path / 'cv'), '--cv', '2',
                           '--seq-len', '30', '--embed-size', '8', '--epochs', '1',
                           '--quiet']) == 0
    printed = json.loads(capsys.readouterr().out)
    summary = json.load(open(tmp_path / 'cv' / 'cv.json'))
    assert printed['k'] == 2 and printed['mean_accuracy'] == summary['mean_accuracy']
    assert sum(sum(f['sizes'].values()) for f in summary['folds']) == 2 * 24
    assert [f['sizes']['test'] for f in summary['folds']] == [12, 12]
    accs = [f['test_accuracy'] for f in summary['folds']]
    assert summary['mean_accuracy'] == pytest.approx(np.mean(accs))
    assert summary['std_accuracy'] == pytest.approx(np.std(accs))
    assert os.path.isfile(tmp_path / 'cv' / 'fold-2' / 'best.params')
    # the word of review 0 is in a fold's vocabulary exactly when review 0 is not held out
    assert sorted(seen) == [(False, True), (True, False)]


def test_cv_flag_errors(review_folder, tmp_path, capsys):
    assert train_cli.main(['--data', review_folder, '--cv', '1', '--quiet']) == 2
    assert '--cv must be 0 (off) or at least 2' in capsys.readouterr().err
    assert train_cli.main(['--data', review_folder, '--cv', '3', '--test-data', review_folder,
                           '--quiet']) == 2
    assert 'exclude each other' in capsys.readouterr().err
