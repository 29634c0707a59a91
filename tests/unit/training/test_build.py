"""Building the network: --embed-init sets only the embedding's initializer."""
import mxnet as mx
import numpy as np
import pytest

from gluon_sentiment.errors import ConfigError
from gluon_sentiment.training.config import TrainConfig


def test_embed_init_sets_only_the_embedding_initializer():
    from gluon_sentiment.training.build import build_net
    ctx = [mx.cpu()]
    default = build_net(TrainConfig(model='dense', seq_len=20, hybridize=False), 300, ctx)
    small = build_net(TrainConfig(model='dense', seq_len=20, hybridize=False, embed_init=0.01),
                      300, ctx)
    assert default.embedding.weight.data().asnumpy().std() > 0.015  # Xavier: about 0.02
    assert small.embedding.weight.data().asnumpy().std() == pytest.approx(0.01, rel=0.05)
    bound = np.sqrt(3 / ((20 * 50 + 500) / 2))  # Xavier's of the hidden layer
    assert np.abs(small.features.dense.weight.data().asnumpy()).max() <= bound


def test_distributed_runs_build_the_ngram_model_with_dense_gradients():
    dist = TrainConfig(model='ngram', kvstore='dist_sync').resolved()
    assert dist.model_kwargs(100)['sparse_grad'] is False  # ps-lite workers pull dense ones
    assert 'sparse_grad' not in TrainConfig(model='ngram').resolved().model_kwargs(100)
    assert 'sparse_grad' not in TrainConfig(model='multikernel',
                                            kvstore='dist_sync').resolved().model_kwargs(100)
    with pytest.raises(ConfigError, match='leave sparse_grad out'):
        TrainConfig(model='ngram', kvstore='dist_sync',
                    model_args='{"sparse_grad": true}').validate()


def test_adagrad_with_weight_decay_on_sparse_rows_is_refused_before_training():
    # MXNet has no row-sparse Adagrad update with weight decay: its first step would fail
    with pytest.raises(ConfigError, match='give --wd 0'):
        TrainConfig(model='ngram', optimizer='adagrad', wd=1e-4).validate()
    for fine in (dict(model='ngram', optimizer='adagrad'),
                 dict(model='ngram', optimizer='adagrad', wd=1e-4,
                      model_args='{"sparse_grad": false}'),
                 dict(model='ngram', optimizer='adagrad', wd=1e-4, kvstore='dist_sync'),
                 dict(model='multikernel', optimizer='adagrad', wd=1e-4)):
        TrainConfig(**fine).validate()
