"""Building the network: --embed-init sets only the embedding's initializer."""
import mxnet as mx
import numpy as np
import pytest

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
