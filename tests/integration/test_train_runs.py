"""The train and predict commands end to end on synthetic reviews: run directory, reload, options."""
import json
import os

import mxnet as mx
import numpy as np
import pytest

import gluon_sentiment as gs
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.errors import ConfigError
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.fit import run_training
from train_fixtures import FAST, trained_run  # noqa: F401
from train_fixtures import train_fast as _train


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


def test_library_entry_point(review_folder, tmp_path):
    config = TrainConfig(data=review_folder, output_dir=str(tmp_path / 'lib'), seq_len=40,
                         embed_size=8, epochs=1, batch_size=16, cpu_contexts=2)
    metrics = run_training(config)
    assert set(metrics) >= {'val_accuracy', 'test_accuracy', 'history', 'best_epoch'}
