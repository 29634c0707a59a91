"""Recurrent and n-gram models: padding invariance, directions, n-gram rows, NB ratios."""
import mxnet as mx
import numpy as np
import pytest

from gluon_sentiment.model import get_model
from gluon_sentiment.model.ngram import nb_log_count_ratio, ngram_ids


PAD = 1


def _net(name, hybridize, **kwargs):
    net = get_model(name, vocab_size=50, **kwargs)
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    return net


def _texts(rng, lengths, width):
    X = np.full((len(lengths), width), PAD, dtype=np.float32)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.randint(2, 50, n)
    return X


@pytest.mark.parametrize('hybridize', [False, True])
@pytest.mark.parametrize('name', ['bilstm', 'bigru', 'ngram'])
def test_appending_padding_leaves_output_unchanged(name, hybridize):
    rng = np.random.RandomState(0)
    X = _texts(rng, [3, 7, 12, 1], 12)
    net = _net(name, hybridize, embed_size=8, **({'hidden_size': 6} if name != 'ngram' else
                                                   {'num_buckets': 97}))
    base = net(mx.nd.array(X)).asnumpy()
    padded = np.concatenate([X, np.full((len(X), 20), PAD, np.float32)], axis=1)
    np.testing.assert_allclose(net(mx.nd.array(padded)).asnumpy(), base, rtol=1e-5, atol=1e-6)
    # each text alone, cut to its own length, scores as in the padded batch
    for i, n in enumerate([3, 7, 12, 1]):
        alone = net(mx.nd.array(X[i:i + 1, :n])).asnumpy()
        np.testing.assert_allclose(alone, base[i:i + 1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', ['bilstm', 'bigru'])
def test_backward_direction_reads_the_last_word(name):
    """Masking must not hide the last real word from the network."""
    rng = np.random.RandomState(1)
    X = _texts(rng, [6], 10)
    net = _net(name, True, embed_size=8, hidden_size=6)
    other = X.copy()
    other[0, 5] = 2 if X[0, 5] != 2 else 3
    assert np.abs(net(mx.nd.array(X)).asnumpy() - net(mx.nd.array(other)).asnumpy()).max() > 1e-6


def test_ngram_rows_in_graph_equal_numpy():
    rng = np.random.RandomState(2)
    X = _texts(rng, [9, 4, 2, 15], 15)
    X[0, 3] = 0  # <unk>
    net = _net('ngram', False, embed_size=4, num_buckets=1009)
    rows, mask = net.ngram_rows(mx.nd, mx.nd.array(X))
    expected_rows, expected_mask = ngram_ids(X, 50, 1009)
    np.testing.assert_array_equal(rows.asnumpy(), expected_rows)
    np.testing.assert_array_equal(mask.asnumpy(), expected_mask)
    # words keep their index; n-grams land in the hashed part; padding n-grams are masked
    assert (expected_rows[:, :15] == X).all()  # then 2 columns of appended padding
    assert expected_rows[:, 17:].min() >= 50 and expected_rows.max() < 50 + 1009
    assert expected_mask[1].sum() == 4 + 3 + 2


def test_nb_ratio_signs():
    # word 2 only in positive texts, word 3 only in negative, word 4 in both
    X = np.array([[2, 4, 1], [2, 4, 4], [3, 4, 1], [3, 4, 1]])
    y = np.array([1, 1, 0, 0])
    ratio = nb_log_count_ratio(X, y, vocab_size=5, num_buckets=11, orders=(1,))
    assert ratio[2] > 0 > ratio[3]
    assert ratio[4] == pytest.approx(0.0, abs=1e-6)  # in every text of both classes
    assert ratio[0] == 0 and ratio[5:].max() == 0  # never seen
