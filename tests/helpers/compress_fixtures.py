"""Session-wide small runs for the compression tests: an n-gram run and an ensemble.

Import the fixtures into a test module (``from compress_fixtures import ...``,
with ``deploy_fixtures``'s ``deploy_root`` and ``multikernel_run`` for the
ensemble); each run trains once per test session on synthetic reviews.
"""
import hashlib
import os

import pytest

from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment import train as train_cli
from gluon_sentiment.artifacts.store import ENSEMBLE, read_json, write_json
from gluon_sentiment.inference.ensemble import create_ensemble

#: a table small enough to compress in a second: 4,096 hashed rows
NGRAM = ['--model', 'ngram', '--model-args', '{"num_buckets": 4096}', '--seq-len', '40',
         '--batch-size', '16', '--lr', '0.02', '--epochs', '6', '--quiet']


@pytest.fixture(scope='session')
def ngram_run(tmp_path_factory):
    """An n-gram run (calibrated, as training does by default) on 160 synthetic reviews."""
    root = tmp_path_factory.mktemp('compress')
    texts, labels = synthetic_reviews(80, seed=2)
    data = write_review_folder(root / 'reviews', texts, labels)
    out = str(root / 'ngram')
    assert train_cli.main(['--data', data, '--output-dir', out] + NGRAM) == 0
    return out


@pytest.fixture(scope='session')
def ensemble_dir(ngram_run, multikernel_run, deploy_root):
    """An ensemble of ``ngram_run`` (weight 2) and ``multikernel_run`` (weight 1), with a
    temperature and a decision threshold."""
    out = os.path.join(str(deploy_root), 'ensemble-for-compress')
    create_ensemble([ngram_run, multikernel_run], out, weights=[2, 1])
    spec = read_json(os.path.join(out, ENSEMBLE))
    write_json(os.path.join(out, ENSEMBLE), {**spec, 'calibration': {'temperature': 1.5},
                                             'decision_threshold': 0.4})
    return out


def tree_digest(path):
    """SHA-256 over the names and bytes of every file under ``path`` (to see it unchanged)."""
    digest = hashlib.sha256()
    for root, dirs, names in os.walk(path):
        dirs.sort()
        for name in sorted(names):
            full = os.path.join(root, name)
            digest.update(os.path.relpath(full, path).encode())
            with open(full, 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()
