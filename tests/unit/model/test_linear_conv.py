"""The tutorial's ConvNet: no activation between the convolution and the flatten."""
import mxnet as mx
import numpy as np
import pytest

from gluon_sentiment.model import ConvNet, get_model
from gluon_sentiment.model.onnx_twin import onnx_equivalent

VOCAB, SEQ = 30, 12


def _net(activation, hybridize):
    net = get_model('conv', vocab_size=VOCAB, seq_len=SEQ, embed_size=8, num_filters=6,
                    activation=activation)
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    return net


def _inputs():
    return mx.nd.array(np.random.RandomState(0).randint(0, VOCAB, (4, SEQ)))


@pytest.mark.parametrize('hybridize', [True, False])
def test_features_are_the_convolution_itself(hybridize):
    net = _net(None, hybridize)
    assert isinstance(net, ConvNet) and net.features.activation_name is None
    embedded = net.embedding(_inputs())
    conv = net.features.conv(embedded.transpose((0, 2, 1)))
    np.testing.assert_allclose(net.features(embedded).asnumpy(),
                               conv.reshape((4, -1)).asnumpy(), rtol=1e-6)
    assert (conv.asnumpy() < 0).any()  # nothing clips the negative part
    assert net(_inputs()).shape == (4, 2)


def test_default_keeps_the_relu():
    net = _net('relu', False)
    assert net.features.activation_name == 'relu'
    assert (net.features(net.embedding(_inputs())).asnumpy() >= 0).all()


@pytest.mark.parametrize('activation', [None, 'relu'])
def test_onnx_twin_computes_the_same(activation):
    net = _net(activation, False)
    expected = net(_inputs()).asnumpy()  # also shapes the deferred parameters
    twin = onnx_equivalent(net)
    twin.hybridize()
    np.testing.assert_allclose(twin(_inputs()).asnumpy(), expected, rtol=1e-5, atol=1e-6)
