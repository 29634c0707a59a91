"""Session-wide small runs and bundles for the export, predict, explain and serve tests.

Import the fixtures into a test module (``from deploy_fixtures import ...``);
each run trains once per test session on synthetic reviews, in seconds.
"""
import os

import pytest

from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment import train as train_cli
from gluon_sentiment.deploy.bundle import export_bundle

FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--lr', '0.01', '--quiet']


def _train(root, model, epochs):
    data = root / 'reviews'
    if not data.exists():
        texts, labels = synthetic_reviews(60, seed=1)
        write_review_folder(data, texts, labels)
    out = root / model
    assert train_cli.main(['--data', str(data), '--output-dir', str(out), '--model', model,
                           '--epochs', str(epochs)] + FAST) == 0
    return str(out)


@pytest.fixture(scope='session')
def deploy_root(tmp_path_factory):
    """A folder shared by the session's deployment runs."""
    return tmp_path_factory.mktemp('deploy')


@pytest.fixture(scope='session')
def multikernel_run(deploy_root):
    """A multikernel run that has learned the synthetic class words."""
    return _train(deploy_root, 'multikernel', 8)


@pytest.fixture(scope='session')
def multikernel_bundle(multikernel_run, deploy_root):
    """``multikernel_run`` exported with ONNX."""
    out = os.path.join(str(deploy_root), 'bundle-multikernel')
    export_bundle(multikernel_run, out, onnx=True)
    return out


@pytest.fixture(scope='session', params=['dense', 'conv'])
def fixed_length_run(request, deploy_root):
    """A run of each fixed-length model (two epochs: only the plumbing is tested)."""
    return _train(deploy_root, request.param, 2)
