"""Kim's CNN from tables of its words' convolutions scores as its graph does.

The plain path is the network's graph on the same length-sorted, cut batches
(``predict_logits``); the fast path is ``conv_logits``. Scores agree to 1e-5
(float32 sums in another order), the classifier's probabilities to 1e-6 and
its labels exactly, for one and two channels, any kernel widths, texts that
fill ``seq_len`` (no all-padding window) and texts without a word.
"""
import mxnet as mx
import numpy as np
import pytest

from gluon_sentiment.data.vocab import build_vocab
from gluon_sentiment.inference.batches import predict_logits
from gluon_sentiment.inference.classifier import SentimentClassifier
from gluon_sentiment.inference.conv_scores import conv_logits, conv_tables, tables_pay
from gluon_sentiment.inference.records import predict_records
from gluon_sentiment.model import MultiKernelConvNet, get_model

VOCAB, PAD, SEQ_LEN = 40, 1, 24
LENGTHS = (0, 1, 2, 3, 5, 11, 24, 23, 20, 19, 7, 24, 0, 16)


def _net(kernel_sizes=(3, 4, 5), multichannel=False, activation='relu', hybridize=True, seed=0):
    net = get_model('multikernel', vocab_size=VOCAB, embed_size=6, kernel_sizes=kernel_sizes,
                    num_filters=5, multichannel=multichannel, dropout=0.5)
    if activation != 'relu':
        net.features.activation = mx.gluon.nn.Activation(activation)
        net.features._activation = activation  # pylint: disable=protected-access
    mx.random.seed(seed)
    net.initialize(mx.init.Normal(0.5))
    net(mx.nd.ones((1, SEQ_LEN)))  # shapes the deferred parameters
    for param in net.collect_params().values():  # biases too, so that none is zero
        param.set_data(mx.nd.random.normal(0, 0.5, shape=param.shape))
    if hybridize:
        net.hybridize(static_alloc=True)
    return net


def _padded(seed=1, lengths=LENGTHS):
    rng = np.random.RandomState(seed)
    X = np.full((len(lengths), SEQ_LEN), PAD, dtype=np.int32)
    lengths = np.array(lengths, dtype=np.int32)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.choice([0] + list(range(2, VOCAB)), n)  # <unk> inside, padding after
    return X, lengths


@pytest.mark.parametrize('hybridize', [False, True])
@pytest.mark.parametrize('kernel_sizes,multichannel,activation', [
    ((3, 4, 5), False, 'relu'), ((3, 4, 5), True, 'relu'), ((2,), False, 'tanh'),
    ((1, 7), True, 'sigmoid'), ((3, 5), False, 'softrelu')])
@pytest.mark.parametrize('batch_size,threads', [(1, 1), (3, 2), (64, 1)])
def test_conv_logits_equal_the_graph(hybridize, kernel_sizes, multichannel, activation,
                                     batch_size, threads):
    net = _net(kernel_sizes, multichannel, activation, hybridize)
    X, lengths = _padded()
    expected = predict_logits(net, X, [mx.cpu()], 4, lengths, net.length_margin)
    got = conv_logits(net, X, lengths, batch_size=batch_size, threads=threads)
    assert got.shape == expected.shape == (len(X), 2)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert np.abs(expected).max() > 0.1  # not all near zero: the comparison means something


def test_tables_are_the_word_vectors_times_each_offset_of_the_filters():
    net = _net(multichannel=True)
    (offsets, bias), *_ = conv_tables(net)
    vectors = np.concatenate([net.embedding.weight.data().asnumpy(),
                              net.embedding_static.weight.data().asnumpy()], axis=1)
    weight = net.features.convolutions[0].weight.data().asnumpy()
    assert len(offsets) == 3 and offsets[0].shape == (VOCAB, 5)
    for j, table in enumerate(offsets):
        np.testing.assert_allclose(table, vectors @ weight[:, :, j].T, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bias, net.features.convolutions[0].bias.data().asnumpy())


def test_tables_pay_only_for_the_cnn_itself_on_the_cpu_with_enough_words():
    net = _net()
    assert tables_pay(net, [mx.cpu()], VOCAB)
    assert not tables_pay(net, [mx.cpu()], VOCAB - 1)  # a short call: the graph
    assert not tables_pay(net, [mx.gpu(0)], 10 ** 6)
    assert not tables_pay(get_model('ngram', vocab_size=VOCAB, num_buckets=8), [mx.cpu()], 10 ** 6)

    class Custom(MultiKernelConvNet):  # may compute otherwise: never the tables
        pass
    custom = Custom(vocab_size=VOCAB, embed_size=6, num_filters=5)
    custom.initialize()
    assert not tables_pay(custom, [mx.cpu()], 10 ** 6)
    big = get_model('multikernel', vocab_size=300000, embed_size=2, num_filters=100)
    assert not tables_pay(big, [mx.cpu()], 10 ** 9)  # 432 MB of tables: the graph
    fresh = get_model('multikernel', vocab_size=VOCAB, embed_size=6, num_filters=5)
    fresh.initialize()
    assert not tables_pay(fresh, [mx.cpu()], 10 ** 6)  # deferred shapes: the graph settles them
    fresh(mx.nd.ones((1, 8)))
    assert tables_pay(fresh, [mx.cpu()], 10 ** 6)


@pytest.mark.parametrize('multichannel', [False, True])
def test_classifier_fast_paths_give_the_graphs_predictions(multichannel):
    rng = np.random.RandomState(4)
    words = [f'w{i}' for i in range(VOCAB - 2)]
    texts = [' '.join(rng.choice(words, n)) for n in (0, 1, 2, 4, 9, 23, 24, 30, 60, 5)] * 3
    texts += ['', '¿¡ünïcödé!? <br /> unknown words only', "don't (stop) w1's w2"]
    vocab = build_vocab([words], len(words))
    clf = SentimentClassifier(_net(multichannel=multichannel), vocab, SEQ_LEN, batch_size=4)
    clf.temperature = 1.3
    assert tables_pay(clf.net, clf.ctx, int(clf.encode_tokens(clf.tokenize(texts))[1].sum()))
    fast, fast_records = clf.predict_proba(texts), predict_records(clf, texts)
    clf.fast_paths = False
    plain = clf.predict_proba(texts)
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(fast.argmax(axis=1), plain.argmax(axis=1))
    assert [r['label'] for r in fast_records] == [r['label'] for r in predict_records(clf, texts)]
    clf.fast_paths = True
    np.testing.assert_allclose(clf.predict_proba(texts[:2]), plain[:2], atol=1e-6)  # the graph
