"""A trained run shared by the evaluation and visualization tests, and a check of pictures.

Import the fixtures into a test module (``from analysis_fixtures import ...``).
"""

import os

import matplotlib.image
import pytest

from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment import train as train_cli


FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--epochs', '4',
        '--lr', '0.01', '--quiet']


PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def assert_picture(path, min_width, min_height):
    """A valid, non-blank PNG of at least the given size."""
    with open(path, 'rb') as f:
        assert f.read(8) == PNG_MAGIC
    pixels = matplotlib.image.imread(path)
    height, width = pixels.shape[:2]
    assert width >= min_width and height >= min_height
    gray = pixels[..., :3].mean(axis=2)
    assert gray.std() > 0.02  # not a blank canvas
    assert (gray < 0.5).mean() > 0.001  # some dark ink: text, lines or dots
    assert not [f for f in os.listdir(os.path.dirname(path)) if '.tmp' in f]


@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    texts, labels = synthetic_reviews()
    root = tmp_path_factory.mktemp('analysis')
    data = write_review_folder(root / 'reviews', texts, labels)
    out = root / 'run'
    assert train_cli.main(['--data', data, '--output-dir', str(out)] + FAST) == 0
    return str(out), data
