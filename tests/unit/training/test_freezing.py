"""Freezing pretrained vectors while training: frozen, fine-tuned and multichannel embeddings."""
import mxnet as mx
from mxnet import gluon
import numpy as np
import pytest

from glove_fixtures import DIM, glove_file, glove_vectors, vocab  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment.model import MultiKernelConvNet
from gluon_sentiment.training.engine import epoch_batches, train_epoch


def _train_steps(net, vocab, steps=6):
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.05})
    rng = np.random.RandomState(0)
    X = rng.randint(0, len(vocab), (steps * 8, 12)).astype(np.int32)
    y = rng.randint(0, 2, len(X))
    lengths = np.full(len(X), 12, np.int32)
    train_epoch(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), X, y,
                epoch_batches(lengths, 8, seed=0, epoch=1), [mx.cpu()], progress=False)


def _ready(net, hybridize=True):
    """Hybridize (optionally) and run one forward pass, so deferred shapes are known."""
    if hybridize:
        net.hybridize()
    net(mx.nd.zeros((1, 12)))


def _snapshot(net):
    return {name: p.data().asnumpy().copy() for name, p in net.collect_params().items()}


def _build(vocab, **kwargs):
    net = MultiKernelConvNet(len(vocab), embed_size=DIM, num_filters=4, **kwargs)
    net.initialize(mx.init.Xavier())
    return net


@pytest.mark.parametrize('hybridize', [True, False])
def test_frozen_embedding_stays_bit_identical(glove_file, vocab, hybridize):
    net = _build(vocab)
    aligned = gs.attach_pretrained(net, gs.load_token_embedding(glove_file), vocab, freeze=True)
    _ready(net, hybridize)
    before = _snapshot(net)
    _train_steps(net, vocab)
    after = _snapshot(net)
    emb = net.embedding.weight.name
    assert net.embedding.weight.grad_req == 'null'
    np.testing.assert_array_equal(after[emb], before[emb])
    np.testing.assert_array_equal(after[emb], aligned.matrix)
    others = [name for name in before if name != emb]
    assert all(not np.array_equal(after[n], before[n]) for n in others), others


def test_fine_tuned_embedding_changes(glove_file, vocab):
    net = _build(vocab)
    aligned = gs.attach_pretrained(net, gs.load_token_embedding(glove_file), vocab, freeze=False)
    np.testing.assert_array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)
    _ready(net)
    _train_steps(net, vocab)
    assert net.embedding.weight.grad_req == 'write'
    assert not np.array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)


@pytest.mark.parametrize('hybridize', [True, False])
def test_multichannel_has_one_static_and_one_trained_channel(glove_file, vocab, hybridize):
    net = _build(vocab, multichannel=True)
    aligned = gs.attach_pretrained(net, gs.load_token_embedding(glove_file), vocab, freeze=False)
    embeddings = [p for name, p in net.collect_params().items() if 'embedding' in name]
    assert len(embeddings) == 2
    assert sorted(p.grad_req for p in embeddings) == ['null', 'write']
    assert net.embedding_static.weight.grad_req == 'null'
    _ready(net, hybridize)
    _train_steps(net, vocab)
    np.testing.assert_array_equal(net.embedding_static.weight.data().asnumpy(), aligned.matrix)
    assert not np.array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)
    # both channels feed the convolutions: 2 x DIM input channels
    assert net.features.branches[0][0].weight.shape == (4, 2 * DIM, 3)


def test_multichannel_padding_cut_leaves_outputs_unchanged(vocab):
    net = _build(vocab, multichannel=True)
    net.hybridize()
    X = mx.nd.array(np.random.RandomState(0).randint(2, len(vocab), (3, 30)))
    X[:, 10:] = vocab.token_to_idx['<pad>']
    with mx.autograd.predict_mode():
        full = net(X).asnumpy()
        cut = net(X[:, :10 + net.length_margin]).asnumpy()
    np.testing.assert_allclose(cut, full, rtol=1e-5, atol=1e-6)
