"""Ensembles: one member equals the model, weights average, bad input."""
import os

import numpy as np
import pytest

import gluon_sentiment as gs
from gluon_sentiment import ensemble as ensemble_cli
from gluon_sentiment import train as train_cli
from gluon_sentiment.errors import RunDirError


FAST = ['--seq-len', '40', '--embed-size', '8', '--batch-size', '16', '--quiet']


@pytest.fixture
def two_runs(review_folder, tmp_path):
    runs = []
    for model in ('ngram', 'multikernel'):
        out = tmp_path / model
        assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--model',
                               model, '--epochs', '2', '--lr', '0.02'] + FAST) == 0
        runs.append(str(out))
    return runs


TEXTS = ['the plot was great', 'the actor was awful', 'a film', '']


def test_ensemble_of_one_model_equals_the_model(two_runs, tmp_path):
    out = tmp_path / 'one'
    assert ensemble_cli.main(['--models', two_runs[0], '--out', str(out), '--quiet']) == 0
    np.testing.assert_allclose(gs.load_model(str(out)).predict_proba(TEXTS),
                               gs.load_model(two_runs[0]).predict_proba(TEXTS), rtol=1e-6)


def test_ensemble_averages_with_weights_and_outlives_its_runs(two_runs, tmp_path):
    out = tmp_path / 'ens'
    assert ensemble_cli.main(['--models', *two_runs, '--out', str(out), '--weights', '3,1',
                              '--quiet']) == 0
    first, second = (gs.load_model(run).predict_proba(TEXTS) for run in two_runs)
    for run in two_runs:  # the ensemble keeps its own copies
        for name in os.listdir(run):
            os.remove(os.path.join(run, name))
    clf = gs.load_model(str(out))
    np.testing.assert_allclose(clf.predict_proba(TEXTS), 0.75 * first + 0.25 * second,
                               rtol=1e-6)
    assert list(clf.predict(TEXTS)) == list((0.75 * first + 0.25 * second).argmax(axis=1))


def test_ensemble_bad_input(two_runs, tmp_path, capsys):
    out = tmp_path / 'ens'
    assert ensemble_cli.main(['--models', two_runs[0], str(tmp_path / 'nope'), '--out',
                              str(out)]) == 2
    assert 'no such run directory' in capsys.readouterr().err
    assert not os.path.exists(out)  # nothing half written
    assert ensemble_cli.main(['--models', *two_runs, '--out', str(out), '--weights', '1']) == 2
    assert '1 weights for 2 models' in capsys.readouterr().err
    assert ensemble_cli.main(['--models', two_runs[0], '--out', str(out)]) == 0
    assert ensemble_cli.main(['--models', str(out), '--out', str(tmp_path / 'e2')]) == 2
    assert 'is an ensemble' in capsys.readouterr().err
    assert ensemble_cli.main(['--models', two_runs[0], '--out', str(out)]) == 2
    assert '--overwrite' in capsys.readouterr().err
    with pytest.raises(RunDirError, match='no single network'):
        gs.load_model(str(out)).net  # pylint: disable=expression-not-assigned
