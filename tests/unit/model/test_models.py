"""Models: registry, shapes, hybridize equivalence, the features/output split."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from gluon_sentiment.errors import ConfigError
from gluon_sentiment.model import (ConvNet, DenseNet, MultiKernelConvEncoder, MultiKernelConvNet,
                                   SentimentNet, get_model, list_models)

VOCAB, SEQ = 30, 12


def _inputs(batch=4, seq=SEQ):
    return mx.nd.array(np.random.RandomState(0).randint(0, VOCAB, (batch, seq)))


def test_registry():
    assert list_models() == ['bigru', 'bilstm', 'conv', 'dense', 'multikernel', 'ngram',
                             'ngram-table']
    assert isinstance(get_model('dense', vocab_size=VOCAB, seq_len=SEQ), DenseNet)
    assert isinstance(get_model('conv', vocab_size=VOCAB, seq_len=SEQ), ConvNet)
    # seq_len is ignored by models that do not need it
    assert isinstance(get_model('multikernel', vocab_size=VOCAB, seq_len=SEQ), MultiKernelConvNet)


def test_unknown_model_lists_valid_names():
    with pytest.raises(ConfigError, match='conv, dense, multikernel'):
        get_model('lstm', vocab_size=VOCAB)


def test_unknown_argument():
    with pytest.raises(ConfigError, match='no argument hidden_size'):
        get_model('multikernel', vocab_size=VOCAB, hidden_size=3)


@pytest.mark.parametrize('name', list_models())
@pytest.mark.parametrize('hybridize', [True, False])
def test_output_shape_and_hybridize_equivalence(name, hybridize):
    # the score table's width is the number of classes, not an embedding size
    width = {} if name == 'ngram-table' else {'embed_size': 8}
    net = get_model(name, vocab_size=VOCAB, seq_len=SEQ, **width)
    net.initialize(mx.init.Xavier())
    x = _inputs()
    with mx.autograd.predict_mode():
        eager = net(x).asnumpy()
    if hybridize:
        net.hybridize()
    with mx.autograd.predict_mode():
        out = net(x).asnumpy()
    assert out.shape == (4, 2)
    np.testing.assert_allclose(out, eager, rtol=1e-5, atol=1e-6)


def test_architecture_defaults():
    net = MultiKernelConvNet(VOCAB)
    net.initialize()
    net(_inputs(2, 20))
    convs = [branch[0] for branch in net.features.branches]
    assert [c._kwargs['kernel'] for c in convs] == [(3,), (4,), (5,)]
    assert all(c.weight.shape == (100, 50, c._kwargs['kernel'][0]) for c in convs)
    assert net.output[0]._rate == 0.5
    dense = DenseNet(VOCAB, seq_len=SEQ)
    dense.initialize()
    dense(_inputs())
    assert dense.features.dense.weight.shape == (500, SEQ * 50)
    conv = ConvNet(VOCAB, seq_len=SEQ)
    conv.initialize()
    conv(_inputs())
    assert conv.features.conv.weight.shape == (100, 50, 5)
    assert conv.output[-1].weight.shape == (2, 100 * (SEQ - 4))


def test_features_are_the_representation():
    net = MultiKernelConvNet(VOCAB, embed_size=8, num_filters=7)
    net.initialize()
    x = _inputs()
    feats = net.features(net.embedding(x))
    assert feats.shape == (4, 21)
    with mx.autograd.predict_mode():
        np.testing.assert_allclose(net.output(feats).asnumpy(), net(x).asnumpy(), rtol=1e-6)


def test_max_over_time_matches_reference():
    enc = MultiKernelConvEncoder(kernel_sizes=(2,), num_filters=3)
    enc.initialize()
    x = mx.nd.random.normal(shape=(2, 6, 4))
    conv = enc.branches[0][0]
    expected = np.maximum(conv(x.transpose((0, 2, 1))).asnumpy().max(axis=2), 0)
    np.testing.assert_allclose(enc(x).asnumpy(), expected, rtol=1e-6)


class _MeanEncoder(gluon.HybridBlock):
    def hybrid_forward(self, F, x):
        return F.mean(x, axis=1)


class _MeanNet(SentimentNet):
    def __init__(self, vocab_size, embed_size=6, **kwargs):
        super().__init__(vocab_size, embed_size, **kwargs)
        with self.name_scope():
            self.features = _MeanEncoder()


def test_subclass_replaces_encoder():
    net = _MeanNet(VOCAB)
    net.initialize()
    net.hybridize()
    assert net(_inputs()).shape == (4, 2)
    names = set(net.collect_params().keys())
    assert any('embedding' in n for n in names) and any('dense' in n for n in names)


@pytest.mark.parametrize('name', ['dense', 'conv', 'multikernel'])
def test_embed_dropout_trains_only(name):
    """Embedding dropout changes training-mode outputs and nothing at prediction time."""
    plain = get_model(name, vocab_size=VOCAB, seq_len=SEQ, embed_size=8, dropout=0.0)
    dropped = get_model(name, vocab_size=VOCAB, seq_len=SEQ, embed_size=8, dropout=0.0,
                        embed_dropout=0.5)
    plain.initialize(mx.init.Xavier())
    dropped.initialize()
    x = _inputs()
    plain(x), dropped(x)
    for a, b in zip(plain.collect_params().values(), dropped.collect_params().values()):
        b.set_data(a.data())
    dropped.hybridize()
    with mx.autograd.predict_mode():
        np.testing.assert_allclose(dropped(x).asnumpy(), plain(x).asnumpy(), rtol=1e-5, atol=1e-6)
    mx.random.seed(0)
    with mx.autograd.train_mode():
        assert not np.allclose(dropped(x).asnumpy(), plain(x).asnumpy(), atol=1e-4)
        embedded = dropped.embed(x).asnumpy()
    # inverted dropout: about half of the entries zeroed, the others scaled by 2
    assert 0.3 < (embedded == 0).mean() < 0.7
    kept = embedded != 0
    np.testing.assert_allclose(embedded[kept], 2 * dropped.embedding(x).asnumpy()[kept], rtol=1e-6)


def test_embed_dropout_only_where_taken():
    with pytest.raises(ConfigError, match='no argument embed_dropout'):
        get_model('bilstm', vocab_size=VOCAB, embed_dropout=0.5)
