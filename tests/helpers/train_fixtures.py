"""A short training through the train command, and a fixture holding its run."""
import pytest

from gluon_sentiment import train as train_cli

#: flags of a quick training on the synthetic review folders of conftest.py
FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--epochs', '4',
        '--lr', '0.01', '--quiet']


def train_fast(data, out, *extra):
    """``train --data DATA --output-dir OUT`` with :data:`FAST` and ``extra``; the exit status."""
    return train_cli.main(['--data', data, '--output-dir', str(out)] + FAST + list(extra))


@pytest.fixture
def trained_run(review_folder, tmp_path):
    """A finished run trained with :func:`train_fast` on the review folder."""
    out = tmp_path / 'run'
    assert train_fast(review_folder, out) == 0
    return str(out)


def tiny_best_members(ngram_weight, ngram_epochs):
    """Members for ``train_best`` on the tiny review folder: a hashed n-gram model and a
    multi-kernel CNN (weight 1, one epoch), both small enough for a unit test."""
    return [('ngram', ngram_weight, dict(model='ngram', epochs=ngram_epochs, lr=0.05, seq_len=40,
                                         embed_size=8, model_args='{"num_buckets": 101}')),
            ('multikernel', 1.0, dict(model='multikernel', epochs=1, seq_len=40, embed_size=8,
                                      batch_size=16))]
