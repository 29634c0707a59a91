"""The bad-input matrix of training: each case gives a clear message or a warning.

Cases covered elsewhere: missing paths, empty folders, corrupt and truncated
archives and the Latin-1 fallback (unit/data/test_reader.py, and the
one-line CLI error in unit/commands/test_train_command.py::test_bad_data_is_one_line_error),
``--seq-len`` below the widest kernel
(unit/commands/test_train_command.py::test_seq_len_shorter_than_kernel), predictions on
empty and non-Latin texts
(integration/test_train_runs.py::test_empty_and_unknown_texts_get_predictions) and
the predict command on odd texts
(unit/commands/test_predict_command.py::test_predict_cli_on_odd_texts).
"""

import json
import logging
import os

import numpy as np

from conftest import synthetic_reviews, write_review_folder
import gluon_sentiment as gs
from gluon_sentiment import predict as predict_cli
from gluon_sentiment import train as train_cli
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.fit import run_training


FAST = ['--seq-len', '40', '--embed-size', '8', '--batch-size', '16', '--epochs', '1',
        '--quiet']


def _train(data, out, *extra):
    return train_cli.main(['--data', str(data), '--output-dir', str(out)] + FAST + list(extra))


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1 and 'Traceback' not in err
    return err


def test_only_one_class(tmp_path, capsys):
    texts, labels = synthetic_reviews(20)
    data = write_review_folder(tmp_path / 'r', texts[:20], labels[:20])  # positives only
    assert _train(data, tmp_path / 'run') == 2
    err = _one_line_error(capsys)
    assert 'the training split holds only one class (' in err and '0 negative' in err


def test_imbalanced_classes_warn(tmp_path, capsys):
    texts, labels = synthetic_reviews(40)
    keep = list(range(40)) + list(range(40, 44))  # 40 positive, 4 negative
    data = write_review_folder(tmp_path / 'r', [texts[i] for i in keep], [labels[i] for i in keep])
    assert _train(data, tmp_path / 'run') == 0
    err = capsys.readouterr().err
    assert 'imbalanced classes in the training split' in err and 'class-balanced' in err


def test_balanced_classes_do_not_warn(review_folder, tmp_path, capsys):
    assert _train(review_folder, tmp_path / 'run') == 0
    assert 'imbalanced' not in capsys.readouterr().err


def test_empty_reviews_are_counted_and_kept(tmp_path, capsys):
    texts, labels = synthetic_reviews(20)
    texts[0] = texts[25] = ''
    texts[1] = '😀 日本語'
    data = write_review_folder(tmp_path / 'r', texts, labels)
    assert _train(data, tmp_path / 'run') == 0
    assert '3 of 40 reviews have no token after cleaning' in capsys.readouterr().err
    sizes = json.load(open(tmp_path / 'run' / 'metrics.json'))['sizes']
    assert sum(sizes.values()) == 40


def test_non_utf8_count_reported_by_the_command(tmp_path, capsys):
    texts, labels = synthetic_reviews(20)
    data = write_review_folder(tmp_path / 'r', texts, labels)
    for i in range(2):
        with open(os.path.join(data, 'neg', f'9{i}_1.txt'), 'wb') as f:
            f.write('un film très ennuyeux, boring'.encode('latin-1'))
    assert _train(data, tmp_path / 'run') == 0
    assert '2 of 42 files were not valid UTF-8 and were decoded as Latin-1' in \
        capsys.readouterr().err


def test_one_megabyte_review(tmp_path):
    texts, labels = synthetic_reviews(20)
    texts[3] = ('great wonderful movie ' * 50000)[:1 << 20]
    data = write_review_folder(tmp_path / 'r', texts, labels)
    assert os.path.getsize(os.path.join(data, 'pos', '3_8.txt')) == 1 << 20
    assert _train(data, tmp_path / 'run') == 0
    probs = gs.load_model(str(tmp_path / 'run')).predict_proba([texts[3], 'dull'])
    assert probs.shape == (2, 2) and np.isfinite(probs).all()


def test_vocab_size_larger_than_corpus(review_folder, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    config = TrainConfig(data=review_folder, output_dir=str(tmp_path / 'run'), seq_len=40,
                         embed_size=8, epochs=1, vocab_size=100000)
    run_training(config)
    assert '--vocab-size 100000: the training split has only' in caplog.text
    saved = json.load(open(tmp_path / 'run' / 'config.json'))
    assert saved['vocab_size'] == 100000 and saved['model_kwargs']['vocab_size'] < 100


def test_empty_paths_on_the_command_line(review_folder, tmp_path, capsys):
    assert _train('', tmp_path / 'run') == 2
    assert 'error: --data is empty; give a path or leave it out' in _one_line_error(capsys)
    assert _train(review_folder, '') == 2
    assert '--output-dir is empty' in _one_line_error(capsys)
    assert predict_cli.main(['--model', '', 'text']) == 2
    assert 'no such run directory' in _one_line_error(capsys)
