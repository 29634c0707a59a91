"""A tiny GloVe text file and the synthetic corpus's vocabulary, for the pretrained-vector tests.

Import the fixtures into a test module (``from glove_fixtures import ...``).
"""

import numpy as np
import pytest

from conftest import NEGATIVE, NEUTRAL, POSITIVE
from gluon_sentiment.data import build_vocab, tokenize


DIM = 8


LEFT_OUT = {'actor', 'scene'}  # words of the synthetic corpus the fixture vectors lack


def _vectors(words, dim=DIM, seed=1):
    rng = np.random.RandomState(seed)
    return {w: rng.uniform(-1, 1, dim).round(4).astype(np.float32) for w in words}


def write_glove(path, vectors):
    with open(path, 'w', encoding='utf-8') as f:
        for word, vec in vectors.items():
            f.write(word + ' ' + ' '.join(f'{x:.4f}' for x in vec) + '\n')
    return str(path)


@pytest.fixture
def glove_vectors():
    words = [w for w in POSITIVE + NEGATIVE + NEUTRAL if w not in LEFT_OUT]
    return _vectors(words + ['?', '(', ')', '!', '.', 'zebra'])


@pytest.fixture
def glove_file(tmp_path, glove_vectors):
    return write_glove(tmp_path / 'vectors.txt', glove_vectors)


@pytest.fixture
def vocab():
    texts = [' '.join(POSITIVE + NEGATIVE + NEUTRAL) + ' Really? (yes)'] * 2
    return build_vocab(tokenize(t) for t in texts)
