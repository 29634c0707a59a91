"""Shared fixtures: seeded RNGs and small synthetic review corpora.

Tests live in ``unit/<layer>/`` and ``integration/``; the modules they share
(``deploy_fixtures``, ``glove_fixtures`` ...) are in ``helpers/``, which is
put on ``sys.path`` here, once, so that ``from deploy_fixtures import ...``
works from every folder.
"""
import io
import os
import random
import sys
import tarfile

import pytest

import gluon_sentiment  # noqa: F401  (sets OMP_NUM_THREADS before mxnet loads)
import mxnet as mx
import numpy as np

HELPERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'helpers')
if HELPERS not in sys.path:
    sys.path.insert(0, HELPERS)

SHARED_IMDB = os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data',
                           'aclImdb_train.tar.gz')

POSITIVE = ['great', 'wonderful', 'excellent', 'loved', 'brilliant', 'superb']
NEGATIVE = ['awful', 'boring', 'terrible', 'hated', 'dull', 'worst']
NEUTRAL = ['the', 'movie', 'film', 'plot', 'actor', 'scene', 'was', 'and', 'a', 'it']


@pytest.fixture(autouse=True)
def seed():
    """Seed numpy, random and mxnet before every test."""
    np.random.seed(0)
    random.seed(0)
    mx.random.seed(0)


def synthetic_reviews(n_per_class=40, seed=0):
    """(texts, labels): neutral filler with a few class words, learnable in seconds."""
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in ((1, POSITIVE), (0, NEGATIVE)):
        for _ in range(n_per_class):
            tokens = [rng.choice(NEUTRAL) for _ in range(rng.randint(8, 30))]
            for _ in range(3):
                tokens.insert(rng.randrange(len(tokens)), rng.choice(words))
            texts.append(' '.join(tokens) + '.<br />' + rng.choice(['Yes!', 'Really?', '']))
            labels.append(label)
    return texts, labels


def write_review_folder(root, texts, labels):
    """Write reviews as ROOT/pos/<i>_8.txt and ROOT/neg/<i>_2.txt."""
    for name in ('pos', 'neg'):
        os.makedirs(os.path.join(root, name), exist_ok=True)
    for i, (text, label) in enumerate(zip(texts, labels)):
        folder = 'pos' if label else 'neg'
        with open(os.path.join(root, folder, f'{i}_{8 if label else 2}.txt'), 'w',
                  encoding='utf-8') as f:
            f.write(text)
    return str(root)


def write_review_archive(path, texts, labels, prefix='aclImdb/train'):
    """Write reviews into a .tar.gz with the aclImdb layout."""
    with tarfile.open(path, 'w:gz') as tar:
        for i, (text, label) in enumerate(zip(texts, labels)):
            data = text.encode('utf-8')
            info = tarfile.TarInfo(f'{prefix}/{"pos" if label else "neg"}/{i}_{8 if label else 2}.txt')
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


@pytest.fixture
def review_folder(tmp_path):
    """A folder with pos/ and neg/ holding 80 synthetic reviews."""
    texts, labels = synthetic_reviews()
    return write_review_folder(tmp_path / 'reviews', texts, labels)
