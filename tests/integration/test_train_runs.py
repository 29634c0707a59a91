"""The train and predict commands on synthetic reviews: run directory, reload, errors."""
import json
import os

import mxnet as mx
import numpy as np
import pytest

import gluon_sentiment as gs
from gluon_sentiment import predict as predict_cli
from gluon_sentiment import train as train_cli
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.data.download import download_imdb
from gluon_sentiment.errors import ConfigError, DataError, RunDirError
from gluon_sentiment.training.fit import run_training

FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--epochs', '4',
        '--lr', '0.01', '--quiet']


def _train(data, out, *extra):
    return train_cli.main(['--data', data, '--output-dir', str(out)] + FAST + list(extra))


@pytest.fixture
def trained_run(review_folder, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out) == 0
    return str(out)


def test_run_directory_contents(trained_run):
    files = set(os.listdir(trained_run))
    assert {'config.json', 'vocab.json', 'epoch-0001.params', 'epoch-0004.params', 'best.params',
            'model-symbol.json', 'model-0000.params', 'metrics.json'} <= files
    assert not [f for f in files if '.tmp' in f]
    metrics = json.load(open(os.path.join(trained_run, 'metrics.json')))
    assert 0 <= metrics['val_accuracy'] <= 1 and 0 <= metrics['test_accuracy'] <= 1
    assert [row['epoch'] for row in metrics['history']] == [1, 2, 3, 4]
    assert metrics['status'] == 'done'
    config = json.load(open(os.path.join(trained_run, 'config.json')))
    assert config['model'] == 'multikernel' and config['model_kwargs']['embed_size'] == 16


def test_learns_synthetic_sentiment(trained_run):
    clf = gs.load_model(trained_run)
    probs = clf.predict_proba(['great wonderful excellent movie', 'awful boring terrible plot'])
    assert probs.shape == (2, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
    assert list(clf.predict(['loved it brilliant superb', 'hated it dull worst'])) == [1, 0]


def test_reload_gives_identical_predictions(trained_run):
    texts = ['the plot was great', 'the actor was awful', 'a film']
    first = gs.load_model(trained_run).predict_proba(texts)
    second = gs.load_model(trained_run, hybridize=False).predict_proba(texts)
    np.testing.assert_allclose(second, first, rtol=1e-6, atol=1e-7)


def test_empty_and_unknown_texts_get_predictions(trained_run):
    probs = gs.load_model(trained_run).predict_proba(['', '   ', 'zyzzyva quux', '😀 日本語'])
    assert probs.shape == (4, 2)
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)


def test_predict_cli(trained_run, capsys):
    assert predict_cli.main(['--model', trained_run, '--quiet', 'great wonderful excellent',
                                'awful terrible boring']) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith('positive\t') and lines[1].startswith('negative\t')
    assert 'negative=' in lines[0] and 'positive=' in lines[0]


@pytest.mark.parametrize('model', ['dense', 'conv'])
def test_fixed_length_models_train_and_reload(review_folder, tmp_path, model):
    out = tmp_path / model
    assert _train(review_folder, out, '--model', model) == 0
    clf = gs.load_model(str(out))
    assert clf.predict_proba(['great']).shape == (1, 2)


def test_separate_test_set(review_folder, tmp_path):
    from conftest import synthetic_reviews, write_review_folder
    texts, labels = synthetic_reviews(10, seed=5)
    test_dir = write_review_folder(tmp_path / 'test', texts, labels)
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--test-data', test_dir) == 0
    metrics = json.load(open(out / 'metrics.json'))
    assert metrics['sizes'] == {'train': 56, 'val': 24, 'test': 20}


def test_cosine_schedule_and_pre_truncation(review_folder, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--lr-schedule', 'cosine', '--truncate', 'pre') == 0
    config = json.load(open(out / 'config.json'))
    assert config['lr_schedule'] == 'cosine' and config['truncate'] == 'pre'
    assert gs.load_model(str(out)).truncate == 'pre'


def test_embed_dropout_flag_reaches_the_model_and_the_run(review_folder, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--model', 'dense', '--embed-dropout', '0.3') == 0
    assert json.load(open(out / 'config.json'))['embed_dropout'] == 0.3
    assert gs.load_model(str(out)).net.embed_dropout._rate == 0.3
    with pytest.raises(ConfigError, match='--embed-dropout must be in'):
        TrainConfig(embed_dropout=1.0).validate()


def test_embed_init_sets_only_the_embedding_initializer():
    from gluon_sentiment.training.build import build_net
    ctx = [mx.cpu()]
    default = build_net(TrainConfig(model='dense', seq_len=20, hybridize=False), 300, ctx)
    small = build_net(TrainConfig(model='dense', seq_len=20, hybridize=False, embed_init=0.01),
                      300, ctx)
    assert default.embedding.weight.data().asnumpy().std() > 0.015  # Xavier: about 0.02
    assert small.embedding.weight.data().asnumpy().std() == pytest.approx(0.01, rel=0.05)
    bound = np.sqrt(3 / ((20 * 50 + 500) / 2))  # Xavier's of the hidden layer
    assert np.abs(small.features.dense.weight.data().asnumpy()).max() <= bound


def test_max_examples_balanced(review_folder, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--max-examples', '30') == 0
    sizes = json.load(open(out / 'metrics.json'))['sizes']
    assert sum(sizes.values()) == 30


def test_same_seed_same_metrics(review_folder, tmp_path):
    assert _train(review_folder, tmp_path / 'a') == 0
    assert _train(review_folder, tmp_path / 'b') == 0
    a = json.load(open(tmp_path / 'a' / 'metrics.json'))
    b = json.load(open(tmp_path / 'b' / 'metrics.json'))
    for key in ('train_loss', 'train_accuracy', 'val_loss', 'val_accuracy'):
        assert [row[key] for row in a['history']] == [row[key] for row in b['history']]
    assert (a['test_loss'], a['test_accuracy']) == (b['test_loss'], b['test_accuracy'])
    params_a = mx.nd.load(str(tmp_path / 'a' / 'best.params'))
    params_b = mx.nd.load(str(tmp_path / 'b' / 'best.params'))
    for name, value in params_a.items():
        np.testing.assert_array_equal(value.asnumpy(), params_b[name].asnumpy())


def test_refuses_a_different_run_unless_overwrite(trained_run, review_folder, capsys):
    assert _train(review_folder, trained_run, '--vocab-size', '7') == 2
    err = capsys.readouterr().err
    assert err.startswith('error: --output-dir') and 'holds a different run' in err
    assert 'vocab_size' in err and '--overwrite' in err and 'Traceback' not in err
    assert _train(review_folder, trained_run, '--vocab-size', '7', '--overwrite') == 0
    assert json.load(open(os.path.join(trained_run, 'config.json')))['vocab_size'] == 7


def test_refuses_a_folder_of_other_files(review_folder, tmp_path, capsys):
    out = tmp_path / 'busy'
    out.mkdir()
    (out / 'notes.txt').write_text('mine')
    assert _train(review_folder, out) == 2
    assert 'not a gluon_sentiment run' in capsys.readouterr().err
    assert (out / 'notes.txt').read_text() == 'mine'


@pytest.mark.parametrize('make_path, message', [
    (lambda tmp: str(tmp / 'missing'), 'no such file or folder'),
    (lambda tmp: str(tmp), 'expected review folders pos/ and neg/'),
    (lambda tmp: _bad_archive(tmp), 'corrupt or truncated archive'),
])
def test_bad_data_is_one_line_error(tmp_path, capsys, make_path, message):
    (tmp_path / 'stray').mkdir()
    path = make_path(tmp_path)
    assert train_cli.main(['--data', path, '--output-dir', str(tmp_path / 'out'), '--quiet']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('error: ') and message in err
    assert path in err


def _bad_archive(tmp):
    path = tmp / 'broken.tar.gz'
    path.write_bytes(b'\x1f\x8b\x08\x00 truncated')
    return str(path)


def test_seq_len_shorter_than_kernel(review_folder, tmp_path, capsys):
    assert _train(review_folder, tmp_path / 'r', '--seq-len', '3') == 2
    assert '--seq-len 3' in capsys.readouterr().err


def test_load_model_errors(tmp_path):
    with pytest.raises(RunDirError, match='not a gluon_sentiment run'):
        gs.load_model(str(tmp_path))
    with pytest.raises(RunDirError, match='no such run directory'):
        gs.load_model(str(tmp_path / 'nope'))


def test_help_documents_every_flag(capsys):
    with pytest.raises(SystemExit):
        train_cli.main(['--help'])
    out = capsys.readouterr().out
    for flag in ('--data', '--test-data', '--model', '--epochs', '--gpus', '--seed',
                 '--max-examples', '--vocab-size', '--seq-len', '--no-hybridize',
                 '--output-dir', '--overwrite', '--no-bucket', '--cpu-contexts'):
        assert flag in out


def test_offline_download_fails_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv('GLUON_SENTIMENT_HOME', str(tmp_path))
    with pytest.raises(DataError, match='pass --data PATH'):
        download_imdb(url='http://127.0.0.1:9/aclImdb_v1.tar.gz', timeout=5)
    assert not list((tmp_path / 'datasets').iterdir())


def test_library_entry_point(review_folder, tmp_path):
    config = TrainConfig(data=review_folder, output_dir=str(tmp_path / 'lib'), seq_len=40,
                         embed_size=8, epochs=1, batch_size=16, cpu_contexts=2)
    metrics = run_training(config)
    assert set(metrics) >= {'val_accuracy', 'test_accuracy', 'history', 'best_epoch'}
