"""Kim's CNN (``multikernel``) scored in numpy, its convolutions read from tables of the words.

The first layer of :class:`~gluon_sentiment.model.MultiKernelConvNet` is
linear in the word vectors: a filter of width ``k`` at window ``t`` is
``b + sum_j W[:, :, j] . e(x[t + j])`` over ``j < k``. With the tables
``Q[k, j] = E @ W_k[:, :, j].T`` (one row of ``num_filters`` numbers per
vocabulary word; ``E`` the word vectors, both channels of a multichannel
run side by side), a window's convolution is the sum of ``k`` rows read from
the tables: ``k`` gathers and ``k - 1`` additions of ``num_filters`` numbers
per word and width, where the convolution multiplies and adds ``k *
embed_size`` times per filter. Max over time, bias, activation and the dense
layer follow in numpy, as in the network (dropout is off at inference).

:func:`conv_logits` batches and cuts the texts as
:func:`~gluon_sentiment.inference.batches.predict_logits` does (by length, to
the batch's longest text plus the network's margin), so every text is scored
over the same windows, padding included, and the scores are the network's up
to float32 rounding (within 1e-5; on 5,000 IMDB reviews the probabilities
were at most 2.6e-7 apart and every label was the same). On the default
network (5,000 words, 50-dimensional vectors, 100 filters of widths 3, 4 and
5: tables of 24 MB) ``predict_proba`` was 3.2-4.5 times as fast as with
MXNet's convolutions on 2 loaded cores (``benchmarks/bench_predict.py``).

The tables are made at every call, from the network's current parameters;
they cost about what the convolutions of ``vocab_size`` words cost, so
:func:`tables_pay` sends calls with fewer words, and networks whose tables
would exceed :data:`MAX_TABLE_BYTES`, to the graph.
"""
from typing import Callable, Dict, List, Sequence, Tuple

import mxnet as mx
import numpy as np

from ..model.classifier import MultiKernelConvNet
from .batches import batched_scores

__all__ = ['MAX_TABLE_BYTES', 'TEXTS_PER_BATCH', 'tables_pay', 'conv_tables', 'conv_logits']

#: the largest tables (float32 bytes) made for one call; a larger network is scored by its graph
MAX_TABLE_BYTES = 128 * 2 ** 20
#: texts per numpy batch (the fastest of 4 to 128 measured on 2 cores)
TEXTS_PER_BATCH = 64

_ACTIVATIONS: Dict[str, Callable[[np.ndarray], np.ndarray]] = {
    'relu': lambda x: np.maximum(x, 0),
    'tanh': np.tanh,
    'sigmoid': lambda x: 1 / (1 + np.exp(-x)),
    'softrelu': lambda x: np.logaddexp(0, x),
    'softsign': lambda x: x / (1 + np.abs(x)),
}


def _table_bytes(net: MultiKernelConvNet) -> int:
    filters = sum(conv.weight.shape[0] * conv.weight.shape[2] for conv in net.features.convolutions)
    return 4 * filters * net.embedding.weight.shape[0]


def tables_pay(net, ctx: Sequence[mx.Context], words: int) -> bool:
    """Whether :func:`conv_logits` should score ``words`` token positions of ``net``.

    True for a :class:`~gluon_sentiment.model.MultiKernelConvNet` itself (a
    subclass may change the forward pass) on the CPU, with a supported
    activation, tables of at most :data:`MAX_TABLE_BYTES`, parameters
    whose shapes are known (a first forward pass settles deferred ones),
    and at least as many positions to score as the vocabulary has words.
    """
    return (type(net) is MultiKernelConvNet  # pylint: disable=unidiomatic-typecheck
            and all(c.device_type == 'cpu' for c in ctx)
            and net.features.activation_name in _ACTIVATIONS
            and words >= net.embedding.weight.shape[0]
            and _table_bytes(net) <= MAX_TABLE_BYTES
            and all(0 not in conv.weight.shape for conv in net.features.convolutions))


def conv_tables(net: MultiKernelConvNet,
                ctx: mx.Context = None) -> List[Tuple[List[np.ndarray], np.ndarray]]:
    """Per convolution: the tables ``Q[j]`` ``(vocab_size, num_filters)`` of each offset, and the bias.

    ``Q[j][w]`` is what word ``w`` at offset ``j`` of a window adds to each
    filter (see the module); float32, one matrix product per convolution.
    """
    vectors = net.embedding.weight.data(ctx).asnumpy()
    if net.embedding_static is not None:  # classify: [embedding, embedding_static] features
        vectors = np.concatenate([vectors, net.embedding_static.weight.data(ctx).asnumpy()], axis=1)
    tables = []
    for conv in net.features.convolutions:
        weight = conv.weight.data(ctx).asnumpy()  # (filters, channels, k)
        filters, channels, width = weight.shape
        products = vectors @ weight.transpose(1, 2, 0).reshape(channels, width * filters)
        tables.append(([np.ascontiguousarray(products[:, j * filters:(j + 1) * filters])
                        for j in range(width)], conv.bias.data(ctx).asnumpy()))
    return tables


def _pooled(tables, batch: np.ndarray) -> np.ndarray:
    """Max over time of each convolution of ``batch`` ``(b, width)``, plus its bias: ``(b, filters)``."""
    width = batch.shape[1]
    pooled = []
    for offsets, bias in tables:
        windows = width - len(offsets) + 1
        total = np.take(offsets[0], batch[:, :windows], axis=0)
        for j, table in enumerate(offsets[1:], 1):
            total += np.take(table, batch[:, j:j + windows], axis=0)
        pooled.append(total.max(axis=1) + bias)
    return np.concatenate(pooled, axis=1)


def conv_logits(net: MultiKernelConvNet, X: np.ndarray, lengths: np.ndarray,
                ctx: mx.Context = None, batch_size: int = TEXTS_PER_BATCH,
                threads: int = 1) -> np.ndarray:
    """Scores ``(n, num_classes)`` of ``net`` on ``X`` from :func:`conv_tables` (float32).

    Parameters
    ----------
    net : MultiKernelConvNet
        Initialized, on the CPU.
    X : numpy.ndarray
        Token indices ``(n, seq_len)``, padded at the end.
    lengths : numpy.ndarray
        Valid lengths ``(n,)``: the texts are batched by length and cut to the
        batch's longest plus ``net.length_margin`` columns, as the graph
        would be given them.
    ctx : Context, optional
        The CPU context whose parameters are read (default: the first).
    batch_size : int, default TEXTS_PER_BATCH
        Texts scored at once.
    threads : int, default 1
        Threads scoring the batches (numpy releases the GIL in its gathers
        and sums). One by default: on the 2 shared cores measured (load
        average 7), two threads took 2.1-2.8 s for 5,000 reviews where one
        took 1.9 s; more may pay on idle cores.
    """
    tables = conv_tables(net, ctx)
    activation = _ACTIVATIONS[net.features.activation_name]
    dense = net.output_layer
    weight = dense.weight.data(ctx).asnumpy()
    bias = dense.bias.data(ctx).asnumpy()

    def score(batch: np.ndarray) -> np.ndarray:
        return activation(_pooled(tables, batch.astype(np.intp))) @ weight.T + bias

    return batched_scores(score, X, batch_size, lengths, net.length_margin, threads)
