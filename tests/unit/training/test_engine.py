"""Training engine: batching, padding cuts, contexts, multi-device equivalence."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from gluon_sentiment.training.engine import (batch_width, epoch_batches, evaluate, layout_batches,
                                             make_contexts, predict_logits, train_epoch)
from gluon_sentiment.errors import ConfigError
from gluon_sentiment.model import MultiKernelConvNet


def _data(n=40, seq=30, vocab=20, seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(0, seq + 1, n).astype(np.int32)
    X = np.ones((n, seq), dtype=np.int32)  # 1 = <pad>
    for i, length in enumerate(lengths):
        X[i, :length] = rng.randint(2, vocab, length)
    y = rng.randint(0, 2, n)
    return X, y, lengths


@pytest.mark.parametrize('bucket', [False, True])
def test_epoch_batches_cover_each_example_once_and_repeat(bucket):
    _, _, lengths = _data(n=103)
    batches = epoch_batches(lengths, 10, seed=1, epoch=2, bucket=bucket, num_buckets=4)
    assert sorted(np.concatenate(batches).tolist()) == list(range(103))
    again = epoch_batches(lengths, 10, seed=1, epoch=2, bucket=bucket, num_buckets=4)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))
    other = epoch_batches(lengths, 10, seed=1, epoch=3, bucket=bucket, num_buckets=4)
    assert not all(np.array_equal(a, b) for a, b in zip(batches, other))


def test_bucketing_groups_similar_lengths():
    lengths = np.arange(200, dtype=np.int32)
    batches = epoch_batches(lengths, 10, seed=0, epoch=1, bucket=True, num_buckets=10)
    spreads = [lengths[b].max() - lengths[b].min() for b in batches]
    assert max(spreads) < 40  # a random batch would span most of 0..199


def test_batch_width():
    assert batch_width(np.array([3, 7]), full=500, margin=5) == 12
    assert batch_width(np.array([498]), full=500, margin=5) == 500
    assert batch_width(None, full=500, margin=5) == 500


@pytest.mark.parametrize('hybridize', [True, False])
def test_cutting_padding_leaves_predictions_unchanged(hybridize):
    X, _, lengths = _data()
    net = MultiKernelConvNet(20, embed_size=6, num_filters=4)
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    full = predict_logits(net, X, [mx.cpu()], batch_size=8)
    cut = predict_logits(net, X, [mx.cpu()], batch_size=8, lengths=lengths,
                         margin=net.length_margin)
    np.testing.assert_allclose(cut, full, rtol=1e-5, atol=1e-6)


def test_make_contexts():
    assert make_contexts() == [mx.cpu(0)]
    assert make_contexts(cpu_contexts=3) == [mx.cpu(0), mx.cpu(1), mx.cpu(2)]
    if mx.context.num_gpus() == 0:
        with pytest.raises(ConfigError, match='no GPU'):
            make_contexts(gpus=(0,))


def _train_params(ctx, X, y):
    mx.random.seed(7)
    net = MultiKernelConvNet(20, embed_size=6, num_filters=4, dropout=0.0)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.01})
    batches = epoch_batches(np.full(len(X), X.shape[1]), 16, seed=0, epoch=1)
    stats = train_epoch(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), X, y, batches, ctx,
                        progress=False)
    return {k.split('_', 1)[1]: v.data(ctx[0]).asnumpy()
            for k, v in net.collect_params().items()}, stats


@pytest.mark.parametrize('n', [48, 49])  # 49: a last batch of one example, one context idle
def test_two_cpu_contexts_match_one(n):
    X, y, _ = _data(n=n)
    one, stats_one = _train_params([mx.cpu(0)], X, y)
    two, stats_two = _train_params([mx.cpu(0), mx.cpu(1)], X, y)
    assert one.keys() == two.keys()
    for name in one:
        np.testing.assert_allclose(two[name], one[name], rtol=1e-4, atol=1e-5, err_msg=name)
    assert stats_one['accuracy'] == stats_two['accuracy']
    assert np.isclose(stats_one['loss'], stats_two['loss'], rtol=1e-5)


def test_evaluate_matches_numpy():
    X, y, _ = _data()
    net = MultiKernelConvNet(20, embed_size=6, num_filters=4)
    net.initialize(mx.init.Xavier())
    logits = predict_logits(net, X, [mx.cpu()]).astype(np.float64)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    metrics = evaluate(net, X, y, [mx.cpu()])
    assert metrics['accuracy'] == pytest.approx((probs.argmax(1) == y).mean())
    assert metrics['loss'] == pytest.approx(-np.log(probs[np.arange(len(y)), y]).mean(), rel=1e-5)


def test_worker_shards_sum_to_the_whole_batch():
    """Two workers' shards, gradients summed, give one process's step (kvstore emulated)."""
    X, y, _ = _data(n=33)
    batches = epoch_batches(np.full(len(X), X.shape[1]), 16, seed=0, epoch=1)
    batches.append(np.array([5]))  # worker 1 gets no example of this batch

    def shard_grads(rank, num_workers):
        grads = []
        for idx in batches:
            mx.random.seed(7)
            net = MultiKernelConvNet(20, embed_size=6, num_filters=4, dropout=0.0)
            net.initialize(mx.init.Xavier())
            net(mx.nd.zeros((1, X.shape[1])))  # complete deferred initialization
            trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 1.0})
            params = {k.split('_', 1)[1]: p for k, p in net.collect_params().items()}
            before = {k: p.data().copy() for k, p in params.items()}
            train_epoch(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), X, y,
                        layout_batches([idx], X.shape[1], rank=rank, num_workers=num_workers),
                        [mx.cpu()], progress=False)
            # with SGD and lr 1, the step is minus the normalized gradient
            grads.append({k: (before[k] - p.data()).asnumpy() for k, p in params.items()})
        return grads

    whole = shard_grads(0, 1)
    parts = [shard_grads(rank, 2) for rank in range(2)]
    for step, full in enumerate(whole):
        for name in full:
            np.testing.assert_allclose(parts[0][step][name] + parts[1][step][name], full[name],
                                       rtol=1e-4, atol=1e-6, err_msg=f'{step} {name}')
