"""The numpy scores of an ``ngram-table`` network equal its graph's, from the unpadded words.

The plain path is the network itself on the padded matrix (``net(X)``) and
``ngram_ids`` for the rows; the fast path is ``flat_ngram_rows`` and
``table_logits`` on the same texts without padding. Rows are identical;
scores agree to 1e-5 (float32 sums in the graph, float64 here), and the
classifier's probabilities and labels with ``fast_paths`` on and off agree
to 1e-6 and exactly.
"""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd

from gluon_sentiment.data.vocab import build_vocab
from gluon_sentiment.inference.classifier import SentimentClassifier
from gluon_sentiment.inference.ngram_scores import flat_ngram_rows, scores_in_numpy, table_logits
from gluon_sentiment.inference.records import predict_records
from gluon_sentiment.model import get_model
from gluon_sentiment.model.ngram import ngram_ids

PAD = 1
LENGTHS = (0, 1, 2, 3, 5, 11, 40, 0, 17)


def _padded(rng, vocab_size, lengths=LENGTHS, width=40):
    X = np.full((len(lengths), width), PAD, dtype=np.int64)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.choice([0] + list(range(2, vocab_size)), n)  # <unk> inside, padding after
    return X


def _flat(X):
    lengths = (X != PAD).sum(axis=1)
    return X[np.arange(X.shape[1]) < lengths[:, None]], lengths


def _table_net(vocab_size=60, num_buckets=2 ** 10, orders=(1, 2, 3), num_classes=2, seed=0):
    net = get_model('ngram-table', vocab_size=vocab_size, num_buckets=num_buckets,
                    ngram_orders=orders, num_classes=num_classes)
    net.initialize(mx.init.Zero())
    rng = np.random.RandomState(seed)
    net.embedding.weight.set_data(mx.nd.array(rng.randn(vocab_size + num_buckets, num_classes)))
    net.output_layer.bias.set_data(mx.nd.array(rng.randn(num_classes)))
    return net


@pytest.mark.parametrize('vocab_size,num_buckets,orders', [
    (100000, 2 ** 22, (1, 2, 3)), (3000, 1009, (1, 2, 3)), (70, 2 ** 20, (2, 4)), (50, 7, (1,))])
def test_flat_rows_are_the_valid_rows_of_ngram_ids(vocab_size, num_buckets, orders):
    rng = np.random.RandomState(1)
    X = _padded(rng, vocab_size)
    X[6] = vocab_size - 1  # the largest index everywhere: the hash's largest products
    rows, mask = ngram_ids(X, vocab_size, num_buckets, orders, PAD)
    words, lengths = _flat(X)
    got_rows, got_texts = flat_ngram_rows(words, lengths, vocab_size, num_buckets, orders, PAD)
    # ngram_ids: orders one after another, each (text, position) in row-major order
    per_order = np.split(np.arange(rows.shape[1]),
                         np.cumsum([X.shape[1] + max(orders) - n for n in orders])[:-1])
    expected_rows, expected_texts = [], []
    for columns in per_order:
        text, column = np.nonzero(mask[:, columns] > 0)
        expected_rows.append(rows[:, columns][text, column])
        expected_texts.append(text)
    np.testing.assert_array_equal(got_rows, np.concatenate(expected_rows))
    np.testing.assert_array_equal(got_texts, np.concatenate(expected_texts))


def test_padding_inside_a_text_breaks_its_ngrams_as_the_mask_does():
    X = np.array([[5, PAD, 6, 7, PAD, PAD], [PAD, 8, 9, PAD, PAD, PAD]])
    lengths = np.array([4, 3])
    words = np.concatenate([X[0, :4], X[1, :3]])
    rows, mask = ngram_ids(X, 20, 64, (1, 2, 3), PAD)
    got_rows, got_texts = flat_ngram_rows(words, lengths, 20, 64, (1, 2, 3), PAD)
    assert sorted(got_rows.tolist()) == sorted(rows[mask > 0].tolist())
    np.testing.assert_array_equal(np.bincount(got_texts), (mask > 0).sum(axis=1))


@pytest.mark.parametrize('hybridize', [False, True])
@pytest.mark.parametrize('num_buckets,orders,num_classes', [
    (2 ** 10, (1, 2, 3), 2), (331, (1, 2), 3), (2 ** 8, (2, 3), 5)])
@pytest.mark.parametrize('batch_size', [1, 4, 1024])
def test_table_logits_equal_the_network(hybridize, num_buckets, orders, num_classes, batch_size):
    net = _table_net(num_buckets=num_buckets, orders=orders, num_classes=num_classes)
    if hybridize:
        net.hybridize(static_alloc=True)
    X = _padded(np.random.RandomState(2), 60)
    with autograd.predict_mode():
        expected = net(mx.nd.array(X)).asnumpy()
    got = table_logits(net, *_flat(X), batch_size=batch_size)
    assert got.shape == expected.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    bias = net.output_layer.bias.data().asnumpy()
    np.testing.assert_allclose(got[[0, 7]], [bias, bias], atol=1e-6)  # no n-gram: the bias


def test_table_logits_read_the_current_parameters():
    net = _table_net()
    X = _padded(np.random.RandomState(3), 60)
    before = table_logits(net, *_flat(X))
    weight = net.embedding.weight
    weight.set_data(weight.data() * 2)  # in place: the zero-copy view sees it
    np.testing.assert_allclose(table_logits(net, *_flat(X)) - net.output_layer.bias.data().asnumpy(),
                               2 * (before - net.output_layer.bias.data().asnumpy()), atol=1e-5)


def test_only_table_networks_on_the_cpu_score_in_numpy():
    assert scores_in_numpy(_table_net(), [mx.cpu()])
    assert not scores_in_numpy(_table_net(), [mx.gpu(0)])
    assert not scores_in_numpy(get_model('ngram', vocab_size=10, num_buckets=8), [mx.cpu()])


def _classifier(net, words):
    vocab = build_vocab([words], len(words))
    assert len(vocab) == net.words and vocab.token_to_idx['<pad>'] == PAD
    return SentimentClassifier(net, vocab, seq_len=12)


@pytest.mark.parametrize('truncate', ['post', 'pre'])
def test_classifier_fast_paths_gives_the_graphs_predictions(truncate):
    rng = np.random.RandomState(4)
    words = [f'w{i}' for i in range(58)]
    texts = [' '.join(rng.choice(words, n)) for n in (0, 1, 2, 3, 9, 12, 13, 30, 4, 7)]
    texts += ['', '¿¡ünïcödé!? <br /> unknown words only', "don't (stop) w1's w2"]
    net = _table_net()
    net.hybridize(static_alloc=True)
    clf = _classifier(net, words)
    clf.truncate = truncate
    clf.temperature, clf.batch_size = 0.8, 3
    fast = clf.predict_proba(texts)
    fast_records = predict_records(clf, texts)
    clf.fast_paths = False
    plain = clf.predict_proba(texts)
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(fast.argmax(axis=1), plain.argmax(axis=1))
    np.testing.assert_allclose(clf.predict_proba_encoded(*clf.encode_tokens(clf.tokenize(texts))),
                               plain, rtol=0, atol=1e-12)
    for got, expected in zip(fast_records, predict_records(clf, texts)):
        assert {k: v for k, v in got.items() if k != 'probabilities'} == \
            {k: v for k, v in expected.items() if k != 'probabilities'}
        np.testing.assert_allclose(list(got['probabilities'].values()),
                                   list(expected['probabilities'].values()), atol=1e-6)
