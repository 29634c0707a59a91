"""Recurrent and n-gram models, the full protocol and ensembles (synthetic data)."""
import json
import os
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest

import gluon_sentiment as gs
from gluon_sentiment import ensemble as ensemble_cli
from gluon_sentiment import train as train_cli
from gluon_sentiment.data.split import full_split_indices
from gluon_sentiment.errors import DataError, RunDirError
from gluon_sentiment.model import get_model
from gluon_sentiment.model.ngram import nb_log_count_ratio, ngram_ids

PAD = 1


def _net(name, hybridize, **kwargs):
    net = get_model(name, vocab_size=50, **kwargs)
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    return net


def _texts(rng, lengths, width):
    X = np.full((len(lengths), width), PAD, dtype=np.float32)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.randint(2, 50, n)
    return X


@pytest.mark.parametrize('hybridize', [False, True])
@pytest.mark.parametrize('name', ['bilstm', 'bigru', 'ngram'])
def test_appending_padding_leaves_output_unchanged(name, hybridize):
    rng = np.random.RandomState(0)
    X = _texts(rng, [3, 7, 12, 1], 12)
    net = _net(name, hybridize, embed_size=8, **({'hidden_size': 6} if name != 'ngram' else
                                                   {'num_buckets': 97}))
    base = net(mx.nd.array(X)).asnumpy()
    padded = np.concatenate([X, np.full((len(X), 20), PAD, np.float32)], axis=1)
    np.testing.assert_allclose(net(mx.nd.array(padded)).asnumpy(), base, rtol=1e-5, atol=1e-6)
    # each text alone, cut to its own length, scores as in the padded batch
    for i, n in enumerate([3, 7, 12, 1]):
        alone = net(mx.nd.array(X[i:i + 1, :n])).asnumpy()
        np.testing.assert_allclose(alone, base[i:i + 1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', ['bilstm', 'bigru'])
def test_backward_direction_reads_the_last_word(name):
    """Masking must not hide the last real word from the network."""
    rng = np.random.RandomState(1)
    X = _texts(rng, [6], 10)
    net = _net(name, True, embed_size=8, hidden_size=6)
    other = X.copy()
    other[0, 5] = 2 if X[0, 5] != 2 else 3
    assert np.abs(net(mx.nd.array(X)).asnumpy() - net(mx.nd.array(other)).asnumpy()).max() > 1e-6


def test_ngram_rows_in_graph_equal_numpy():
    rng = np.random.RandomState(2)
    X = _texts(rng, [9, 4, 2, 15], 15)
    X[0, 3] = 0  # <unk>
    net = _net('ngram', False, embed_size=4, num_buckets=1009)
    rows, mask = net.ngram_rows(mx.nd, mx.nd.array(X))
    expected_rows, expected_mask = ngram_ids(X, 50, 1009)
    np.testing.assert_array_equal(rows.asnumpy(), expected_rows)
    np.testing.assert_array_equal(mask.asnumpy(), expected_mask)
    # words keep their index; n-grams land in the hashed part; padding n-grams are masked
    assert (expected_rows[:, :15] == X).all()  # then 2 columns of appended padding
    assert expected_rows[:, 17:].min() >= 50 and expected_rows.max() < 50 + 1009
    assert expected_mask[1].sum() == 4 + 3 + 2


def test_ngram_hash_is_the_same_in_every_process():
    """No dependence on Python's salted hash(): two interpreters with different seeds agree."""
    code = ('import numpy as np; from gluon_sentiment.model.ngram import ngram_ids; '
            'X = np.arange(2, 62).reshape(3, 20) % 41; '
            'print(ngram_ids(X, 41, 2 ** 20)[0].sum())')
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    outputs = set()
    for seed in ('1', '2'):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=root)
        outputs.add(subprocess.run([sys.executable, '-c', code], env=env, check=True,
                                   capture_output=True, text=True).stdout.strip())
    expected = ngram_ids(np.arange(2, 62).reshape(3, 20) % 41, 41, 2 ** 20)[0].sum()
    assert outputs == {str(expected)}


def test_nb_ratio_signs():
    # word 2 only in positive texts, word 3 only in negative, word 4 in both
    X = np.array([[2, 4, 1], [2, 4, 4], [3, 4, 1], [3, 4, 1]])
    y = np.array([1, 1, 0, 0])
    ratio = nb_log_count_ratio(X, y, vocab_size=5, num_buckets=11, orders=(1,))
    assert ratio[2] > 0 > ratio[3]
    assert ratio[4] == pytest.approx(0.0, abs=1e-6)  # in every text of both classes
    assert ratio[0] == 0 and ratio[5:].max() == 0  # never seen


def test_full_protocol_split_is_stratified_and_complete():
    labels = np.array([0] * 60 + [1] * 40)
    index = full_split_indices(labels, 0.1, 42)
    assert set(index) == {'train', 'val'}
    assert sorted(np.concatenate([index['train'], index['val']])) == list(range(100))
    assert len(index['val']) == 10 and labels[index['val']].sum() == 4
    with pytest.raises(DataError, match='full-val-size'):
        full_split_indices(np.array([0, 1, 1]), 0.05, 42)


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


def test_model_args_reach_the_constructor_and_bad_ones_are_named(review_folder, tmp_path, capsys):
    out = tmp_path / 'args'
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--model', 'ngram',
                           '--epochs', '1', '--model-args', '{"num_buckets": 101, '
                           '"ngram_orders": [1, 2]}'] + FAST) == 0
    clf = gs.load_model(str(out))
    assert clf.net.embedding.weight.shape[0] == len(clf.vocab) + 101
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--overwrite',
                           '--model-args', '{"num_buckets": 101'] + FAST) == 2
    assert '--model-args' in capsys.readouterr().err
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--overwrite',
                           '--model-args', '{"bogus": 1}'] + FAST) == 2
    assert 'bogus' in capsys.readouterr().err


def test_train_best_writes_a_loadable_ensemble(review_folder, tmp_path):
    from gluon_sentiment.training.recipes import train_best
    members = [('ngram', 2.0, dict(model='ngram', epochs=3, lr=0.05, seq_len=40, embed_size=8,
                                   model_args='{"num_buckets": 101}')),
               ('multikernel', 1.0, dict(model='multikernel', epochs=1, seq_len=40,
                                         embed_size=8, batch_size=16))]
    out = str(tmp_path / 'best')
    report = train_best(review_folder, out, test_data=review_folder, members=members,
                        full_val_size=0.1)
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


def test_ngram_refuses_pretrained_vectors(review_folder, tmp_path, capsys):
    assert train_cli.main(['--data', review_folder, '--output-dir', str(tmp_path / 'g'),
                           '--model', 'ngram', '--embedding', 'glove.6B.50d'] + FAST) == 2
    assert 'hashed n-grams' in capsys.readouterr().err
