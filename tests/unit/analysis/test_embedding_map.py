"""Word maps: embedding rows, word sentiment, nearest neighbours and the drawn map."""
import json

import numpy as np
import pytest

from analysis_fixtures import assert_picture, run_dir  # noqa: F401
from conftest import NEGATIVE, POSITIVE
from gluon_sentiment.analysis import embedding_map


def test_word_sentiment_and_embedding_rows(run_dir):
    import gluon_sentiment as gs
    clf = gs.load_model(run_dir[0])
    words, vectors = embedding_map.model_embedding(clf)
    assert '<unk>' not in words and '<pad>' not in words
    assert vectors.shape == (len(clf.vocab) - 2, 16)
    row = clf.net.embedding.weight.data().asnumpy()[clf.vocab['great']]
    np.testing.assert_array_equal(vectors[words.index('great')], row)
    p = embedding_map.word_sentiment(clf, POSITIVE + NEGATIVE)
    assert p[:len(POSITIVE)].mean() > p[len(POSITIVE):].mean()


def test_nearest_neighbours_by_cosine():
    words = ['a', 'b', 'c', 'd']
    vectors = np.array([[1, 0], [10, 1], [0, 1], [-1, 0]], dtype=float)
    near = embedding_map.nearest_neighbours(words, vectors, ['a'], k=3)['a']
    assert [n['word'] for n in near] == ['b', 'c', 'd']
    assert near[0]['cosine'] == pytest.approx(10 / np.sqrt(101), abs=1e-4)


def test_draw_embedding_follows_its_options(tmp_path):
    rng = np.random.RandomState(0)
    words = [f'w{i}' for i in range(40)] + ['excellent', 'awful']
    vectors = rng.randn(len(words), 8)
    options = embedding_map.MapOptions(n_words=30, probes=('excellent', 'nonword'), k=4,
                                       title='random vectors', seed=1)
    result = embedding_map.draw_embedding(words, vectors, str(tmp_path / 'map.png'), options)
    assert result['words'] == 30 and result['picture'] == str(tmp_path / 'map.png')
    assert_picture(result['picture'], 1500, 1300)
    written = json.load(open(result['neighbours_file']))
    assert written['embedding'] == 'random vectors' and written['k'] == 4
    assert len(written['neighbours']['excellent']) == 4 and written['neighbours']['nonword'] is None
