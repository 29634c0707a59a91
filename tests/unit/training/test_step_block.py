"""Training steps through a model's training_block: the n-gram model's numpy-hashed rows.

NgramNet trains through NgramRows (its n-grams hashed in numpy, fed to the
same parameters); the steps must be those of the network's own graph, which
hashes in MXNet.
"""
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from gluon_sentiment.model import get_model
from gluon_sentiment.model.ngram import NgramNet, NgramRows
from gluon_sentiment.training import Handler, TrainConfig, run_training
from gluon_sentiment.training.engine import layout_batches, train_batch

PAD = 1


def _texts(rng, lengths, width):
    X = np.full((len(lengths), width), PAD, dtype=np.float32)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.randint(0, 40, n)  # <unk> (0) and <pad> (1) among the words
    return X


def _trained(X, y, batches, through_rows, ctx):
    mx.random.seed(3)
    net = get_model('ngram', vocab_size=40, embed_size=4, num_buckets=257)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.hybridize(static_alloc=True)
    net(mx.nd.array(X[:2], ctx=ctx[0]))  # settles the dense layer's shape, as build_net does
    net.init_from_data(X, y)  # naive-Bayes weights, so that the scale matters
    initial = net.output_layer.weight.data(ctx[0]).asnumpy()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.05})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    block = net.training_block(True) if through_rows else net
    losses = [np.concatenate([loss.asnumpy() for loss in
                              train_batch(block, trainer, loss_fn, X, y, batch, ctx).losses])
              for batch in batches]
    params = {name[len(net.prefix):]: p.data(ctx[0]).asnumpy()
              for name, p in net.collect_params().items()}
    return initial, losses, params


@pytest.mark.parametrize('contexts', [1, 2])
def test_ngram_steps_on_numpy_rows_are_the_graph_steps(contexts):
    rng = np.random.RandomState(0)
    lengths = rng.randint(1, 30, 24)
    X = _texts(rng, lengths, 32)
    y = (rng.rand(24) > 0.5).astype(np.float32)
    batches = layout_batches([np.arange(i, i + 8) for i in range(0, 24, 8)], 32, lengths, 1)
    ctx = [mx.cpu(i) for i in range(contexts)]
    initial, graph_losses, graph = _trained(X, y, batches, False, ctx)
    _, rows_losses, rows = _trained(X, y, batches, True, ctx)
    for a, b in zip(graph_losses, rows_losses):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert graph.keys() == rows.keys()
    for name in graph:
        np.testing.assert_allclose(graph[name], rows[name], rtol=1e-5, atol=1e-6, err_msg=name)
    dense = [name for name in rows if name.endswith('dense0_weight')]
    assert np.abs(rows[dense[0]] - initial).max() > 1e-3  # the steps trained something


def test_rows_block_scores_as_the_network_on_every_width():
    rng = np.random.RandomState(1)
    net = get_model('ngram', vocab_size=40, embed_size=4, num_buckets=101)
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True)
    block = net.training_block(True)
    assert isinstance(block, NgramRows) and block.net is net
    assert list(block.collect_params().values()) == list(net.collect_params().values())
    for width in (1, 2, 9):  # shorter than a trigram, too
        X = _texts(rng, rng.randint(1, width + 1, 5), width)
        inputs = [mx.nd.array(a, dtype='float32') for a in block.training_inputs(X)]
        np.testing.assert_allclose(block(*inputs).asnumpy(), net(mx.nd.array(X)).asnumpy(),
                                   rtol=1e-6, atol=1e-7)


class _Seen(Handler):
    """Keeps the run it is given."""

    def train_begin(self, run):
        self.run = run


def test_run_training_steps_an_ngram_run_through_its_rows_block(review_folder, tmp_path):
    runs = {}
    for model in ('ngram', 'conv'):
        seen = _Seen()
        run_training(TrainConfig(data=review_folder, output_dir=str(tmp_path / model),
                                 model=model, epochs=1, seq_len=24, batch_size=16),
                     handlers=[seen])
        runs[model] = seen.run
    assert isinstance(runs['ngram'].net, NgramNet)
    assert isinstance(runs['ngram'].step_block, NgramRows)
    assert runs['ngram'].step_block.net is runs['ngram'].net
    assert runs['conv'].step_block is runs['conv'].net  # the other models step through themselves
