"""NgramNet's fast paths equal the plain forms: batch_dot pooling, folded hash, sorted counting.

The plain forms are written out here as the model computed them before:
``mean over valid n-grams of (embedding row * naive-Bayes weight)`` with
broadcast multiplications and a sum, and the hash of ``ngram_ids`` (one
reduction per step). Scores and gradients agree to 1e-5 (float32 sums in
another order); hashed rows are identical.
"""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd

from gluon_sentiment.model import get_model
from gluon_sentiment.model.ngram import nb_log_count_ratio, ngram_ids

PAD = 1


def _texts(rng, vocab_size, lengths, width):
    X = np.full((len(lengths), width), PAD, dtype=np.int64)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.randint(0, vocab_size, n)
    X[X == PAD] = 0  # padding only after the text (<unk> may occur inside)
    return X


def _net(vocab_size, num_buckets, hybridize, seed=0):
    net = get_model('ngram', vocab_size=vocab_size, embed_size=6, num_buckets=num_buckets)
    mx.random.seed(seed)
    net.initialize(mx.init.Xavier())
    rng = np.random.RandomState(seed)  # naive-Bayes-like weights, not all ones
    net.nb_weight.weight.set_data(mx.nd.array(rng.randn(vocab_size + num_buckets, 1)))
    if hybridize:
        net.hybridize(static_alloc=True)
    return net


def _plain_scores(net, X):
    """The plain forward: numpy rows, broadcast multiply, masked sum, divide, dense."""
    rows, mask = ngram_ids(X, net._words, net._num_buckets)  # pylint: disable=protected-access
    rows, mask = mx.nd.array(rows), mx.nd.array(mask)
    vectors = mx.nd.broadcast_mul(net.embedding(rows), net.nb_weight(rows))
    total = mx.nd.sum(mx.nd.broadcast_mul(vectors, mx.nd.expand_dims(mask, axis=2)), axis=1)
    count = mx.nd.maximum(mx.nd.sum(mask, axis=1, keepdims=True), 1)
    return net.output(mx.nd.broadcast_div(total, count))


@pytest.mark.parametrize('vocab_size,num_buckets', [(100000, 2 ** 22), (3000, 1009), (70, 2 ** 20)])
def test_in_graph_hash_equals_numpy_rows(vocab_size, num_buckets):
    rng = np.random.RandomState(1)
    X = _texts(rng, vocab_size, [0, 1, 2, 3, 17, 40], 40)
    X[-1] = vocab_size - 1  # the largest word index everywhere: the hash's largest products
    net = _net(vocab_size, num_buckets, hybridize=False)
    rows, mask = net.ngram_rows(mx.nd, mx.nd.array(X, dtype='float32'))
    expected_rows, expected_mask = ngram_ids(X, vocab_size, num_buckets)
    np.testing.assert_array_equal(rows.asnumpy().astype(np.int64), expected_rows)
    np.testing.assert_array_equal(mask.asnumpy(), expected_mask)


@pytest.mark.parametrize('hybridize', [False, True])
def test_batch_dot_pooling_equals_broadcast_mean(hybridize):
    rng = np.random.RandomState(2)
    X = _texts(rng, 500, [0, 1, 5, 12, 30], 30)
    net = _net(500, 4099, hybridize)
    fast = net(mx.nd.array(X, dtype='float32')).asnumpy()
    np.testing.assert_allclose(fast, _plain_scores(net, X).asnumpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('hybridize', [False, True])
def test_gradients_equal_the_plain_forward(hybridize):
    rng = np.random.RandomState(3)
    X = _texts(rng, 300, [3, 9, 25, 25], 25)
    y = mx.nd.array([0, 1, 1, 0])
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    grads = []
    for forward in (lambda net: net(mx.nd.array(X, dtype='float32')),
                    lambda net: _plain_scores(net, X)):
        net = _net(300, 2053, hybridize)
        with autograd.record():
            loss = loss_fn(forward(net), y)
        loss.backward()
        grads.append({name.split('_', 1)[1]: param.grad().tostype('default').asnumpy()
                      for name, param in net.collect_params().items() if param.grad_req != 'null'})
    fast, plain = grads
    assert fast.keys() == plain.keys() and len(fast) == 3  # embedding, dense weight and bias
    for key in fast:
        np.testing.assert_allclose(fast[key], plain[key], rtol=1e-5, atol=1e-7, err_msg=key)


def _plain_ratio(X, y, vocab_size, num_buckets, alpha=1.0):
    """Log-count ratios counted text by text (each text's distinct valid rows), as defined."""
    counts = np.zeros((2, vocab_size + num_buckets))
    for text, label in zip(X, y):
        rows, mask = ngram_ids(text[None], vocab_size, num_buckets)
        counts[label, np.unique(rows[mask > 0])] += 1
    p, q = counts[1] + alpha, counts[0] + alpha
    ratio = np.log((p / p.sum()) / (q / q.sum()))
    return np.where(counts.sum(axis=0) > 0, ratio, 0.0).astype(np.float32)


@pytest.mark.parametrize('batch_size', [1, 3, 1024])
def test_length_sorted_counting_equals_text_by_text(batch_size):
    rng = np.random.RandomState(4)
    X = _texts(rng, 40, [0, 2, 7, 19, 3, 25, 11, 1], 25)
    X[3, 4] = PAD  # padding inside a text: nothing after it may be cut away
    y = np.array([0, 1, 1, 0, 1, 0, 1, 0])
    np.testing.assert_allclose(nb_log_count_ratio(X, y, 40, 97, batch_size=batch_size),
                               _plain_ratio(X, y, 40, 97), rtol=1e-6)
