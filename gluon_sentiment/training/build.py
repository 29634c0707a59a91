"""Building what a run trains: the pretrained vectors, the network and its trainer.

Each function takes the run's :class:`~gluon_sentiment.training.TrainConfig`;
:func:`gluon_sentiment.training.run_training` calls them in this order:
:func:`load_pretrained`, :func:`build_net`, :func:`make_trainer`.
"""
import dataclasses
from typing import Any, List, Optional, Tuple

import mxnet as mx
import numpy as np
from mxnet import gluon

from ..embeddings.align import set_embedding_weights
from ..embeddings.sources import PretrainedVectors, load_vectors
from ..errors import ConfigError
from ..model.base import SentimentNet
from ..model.registry import get_model, model_class
from .config import TrainConfig

__all__ = ['load_pretrained', 'build_net', 'make_trainer']


def load_pretrained(config: TrainConfig) -> Tuple[TrainConfig, Optional[PretrainedVectors]]:
    """Load ``config.embedding``'s vectors and fit ``config.embed_size`` to them.

    Returns
    -------
    (TrainConfig, PretrainedVectors or None)
        ``config`` with ``embed_size`` set to the vectors' width (unchanged
        without ``--embedding``), and the vectors.

    Raises
    ------
    ConfigError
        If ``--embed-size`` contradicts the vectors, or ``--multichannel``
        is asked of a model with one embedding.
    """
    cls = model_class(config.model)
    if config.multichannel and not cls.supports_multichannel:
        raise ConfigError(f'--multichannel: model {config.model!r} has a single embedding; '
                          'use --model multikernel')
    if not config.embedding:
        return config, None
    if not cls.accepts_pretrained:
        raise ConfigError(f'--embedding: model {config.model!r} learns vectors for hashed '
                          'n-grams, which pretrained word vectors do not cover; leave out '
                          '--embedding or choose another --model')
    vectors = load_vectors(config.embedding)
    if config.embed_size is not None and config.embed_size != vectors.dim:
        raise ConfigError(f'--embed-size {config.embed_size} contradicts --embedding '
                          f'{config.embedding}, whose vectors have {vectors.dim} dimensions; '
                          f'leave --embed-size out or pass --embed-size {vectors.dim}')
    return dataclasses.replace(config, embed_size=vectors.dim), vectors


def build_net(config: TrainConfig, vocab_size: int, ctx: List[mx.Context],
              vectors: Optional[np.ndarray] = None, num_classes: int = 2) -> SentimentNet:
    """Build, initialize (seeded) and optionally hybridize the configured model.

    ``vectors``, pretrained rows ``(vocab_size, embed_size)`` (see
    :func:`gluon_sentiment.pretrained.embedding_matrix`), are set right
    after initialization and frozen if ``config.freeze_embedding``; build
    the ``Trainer`` after this. ``config.embed_init`` replaces Xavier by a
    normal initializer for the embedding alone. ``num_classes`` sizes the
    output layer.

    Raises
    ------
    ConfigError
        If the model cannot take ``config.seq_len`` tokens (for example a
        sequence shorter than the widest convolution).
    """
    net = get_model(config.model, **config.model_kwargs(vocab_size, num_classes))
    if config.embed_init is not None:
        net.embedding.weight.init = mx.init.Normal(config.embed_init)  # overrides Xavier below
    mx.random.seed(config.seed)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if vectors is not None:
        set_embedding_weights(net, vectors, freeze=config.freeze_embedding)
    if config.hybridize:
        net.hybridize(static_alloc=True)
    try:
        net(mx.nd.zeros((1, config.seq_len), ctx=ctx[0])).wait_to_read()
    except (mx.MXNetError, ValueError) as err:  # ValueError: deferred shape inference
        first = str(err).strip().splitlines()[0]
        raise ConfigError(f'--seq-len {config.seq_len} does not fit model {config.model!r} '
                          f'(for convolutions it must be at least the widest kernel): {first}') from None
    return net


def make_trainer(net: gluon.Block, config: TrainConfig, total_steps: int,
                 kvstore: Optional[Any] = None) -> gluon.Trainer:
    """The ``gluon.Trainer`` of ``config``: optimizer, learning rate (schedule), weight decay.

    ``kvstore`` (default ``config.kvstore``) is a name or a created
    ``mx.kv.KVStore``. With ``dist_sync`` every worker pulls the summed
    gradients and runs the optimizer itself (``update_on_kvstore=False``),
    so that the batch size may change from step to step.
    """
    params = {'learning_rate': config.lr, 'wd': config.wd}
    if config.lr_schedule == 'cosine':
        params['lr_scheduler'] = mx.lr_scheduler.CosineScheduler(max(total_steps, 1), config.lr, 0)
    kvstore = config.kvstore if kvstore is None else kvstore
    kind = kvstore if isinstance(kvstore, str) else kvstore.type
    update_on_kvstore = False if kind.startswith('dist_sync') else None
    try:
        return gluon.Trainer(net.collect_params(), config.optimizer, params, kvstore=kvstore,
                             update_on_kvstore=update_on_kvstore)
    except (ValueError, KeyError, AssertionError) as err:
        raise ConfigError(f'--optimizer {config.optimizer}: {err}') from None
