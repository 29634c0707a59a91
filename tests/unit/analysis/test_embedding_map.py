"""Word maps: embedding rows, word sentiment and nearest neighbours."""
import numpy as np
import pytest

from analysis_fixtures import run_dir  # noqa: F401
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

