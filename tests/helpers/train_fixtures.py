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
