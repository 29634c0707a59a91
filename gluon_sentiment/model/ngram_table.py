"""The n-gram model folded for inference: one row of class scores per n-gram.

At inference (dropout off) an :class:`~gluon_sentiment.model.NgramNet`'s
scores are linear in its table::

    scores = W (sum_j m_j s_j E[r_j] / count) + b = sum_j (m_j / count) (s_j W E[r_j]) + b

with ``m_j`` the mask, ``s_j`` the naive-Bayes weight and ``E[r_j]`` the
vector of n-gram ``j``'s row. Folding the weight, the vector and the dense
layer into ``T[r] = s_r W E[r]`` (:func:`fold_ngram`) leaves a table of
``num_classes`` columns instead of ``embed_size`` (2 instead of 16 floats a
row for a binary run) and no dense layer: :class:`NgramTableNet` computes
the same scores from the same ``(batch, seq_len)`` word indices, hashed in
the graph by the same code (:meth:`HashedNgramNet.ngram_rows
<gluon_sentiment.model.ngram.HashedNgramNet.ngram_rows>`).

A constant added to every entry of a row adds the same number to every
class's score of the texts containing that n-gram, which softmax cancels;
so the rows may be *centered* (each row's mean subtracted): the
probabilities stay those of the trained network, a row of zeros is an
n-gram that counts for nothing, and a row's spread across the classes is
how much its n-gram can move a decision.
"""
from typing import Any, Dict, Sequence

import mxnet as mx
import numpy as np
from mxnet.gluon import HybridBlock, nn

from .ngram import HashedNgramNet, MaskedMeanPool, NgramNet, pool_weights
from .registry import register_model

__all__ = ['NgramTableNet', 'ScoreBias', 'fold_ngram', 'table_kwargs']


class ScoreBias(HybridBlock):
    """Adds a learned bias ``(num_classes,)`` to scores ``(batch, num_classes)``.

    Parameters
    ----------
    num_classes : int
        Width of the scores.
    """

    def __init__(self, num_classes: int, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.bias = self.params.get('bias', shape=(num_classes,), init='zeros')

    def hybrid_forward(self, F, x, bias):  # pylint: disable=arguments-differ
        return F.broadcast_add(x, F.expand_dims(bias, axis=0))


@register_model('ngram-table')
class NgramTableNet(HashedNgramNet):
    """A bag of n-grams scored by a table of class scores; registered as ``ngram-table``.

    ``embedding`` is the score table ``(vocab_size + num_buckets,
    num_classes)``: row ``r`` holds what n-gram row ``r`` adds to each
    class's score (the rows of :class:`~gluon_sentiment.model.NgramNet`'s
    table, see :func:`ngram_ids <gluon_sentiment.model.ngram.ngram_ids>`).
    The scores are the mean of the text's valid n-gram rows plus a bias
    (``output``, a :class:`ScoreBias`). Made by :func:`fold_ngram` from a
    trained ``NgramNet``, whose probabilities it reproduces.

    Parameters
    ----------
    vocab_size : int
        Words in the vocabulary, including ``<unk>`` and ``<pad>``.
    num_buckets : int, default 2 ** 20
        Rows for hashed n-grams of order 2 and more.
    ngram_orders : sequence of int, default (1, 2, 3)
        Orders in the bag (1 = words).
    num_classes : int, default 2
        Output classes (the width of the table).
    padding_index : int, default 1
        Index of ``<pad>`` in the vocabulary.
    """

    def __init__(self, vocab_size: int, num_buckets: int = 2 ** 20,
                 ngram_orders: Sequence[int] = (1, 2, 3), num_classes: int = 2,
                 padding_index: int = 1, **kwargs):
        super().__init__(vocab_size, num_classes, num_buckets, ngram_orders,
                         num_classes=num_classes, padding_index=padding_index, **kwargs)
        with self.name_scope():
            self.features = MaskedMeanPool()
            self.output = nn.HybridSequential()  # replaces SentimentNet's dense layer
            self.output.add(ScoreBias(num_classes))

    def ngram_terms(self, inputs: mx.nd.NDArray):
        """Each n-gram's term ``weight * T[row]`` and the bias; see
        :meth:`HashedNgramNet.ngram_terms <gluon_sentiment.model.ngram.HashedNgramNet.ngram_terms>`."""
        rows, mask = self.ngram_rows(mx.nd, inputs)
        terms = mx.nd.broadcast_mul(self.embedding(rows),
                                    mx.nd.expand_dims(pool_weights(mx.nd, mask, mask), axis=2))
        return terms.asnumpy(), self.output_layer.bias.data(inputs.context).asnumpy()

    def hybrid_forward(self, F, inputs):  # pylint: disable=arguments-differ
        """Scores ``(batch, num_classes)`` for word indices ``(batch, seq_len)``."""
        rows, mask = self.ngram_rows(F, inputs)
        return self.output(self.features(self.embedding(rows), mask, mask))


def table_kwargs(net: HashedNgramNet) -> Dict[str, Any]:
    """The ``model_kwargs`` (``config.json``) of the :class:`NgramTableNet` folded from ``net``."""
    return {'vocab_size': net.words, 'num_buckets': net.num_buckets,
            'ngram_orders': list(net.ngram_orders), 'num_classes': net.num_classes,
            'padding_index': net.padding_index}


def fold_ngram(net: NgramNet, center: bool = True, ctx: mx.Context = None) -> NgramTableNet:
    """The :class:`NgramTableNet` that scores as the trained ``net`` does at inference.

    Row ``r`` of the table is ``nb_weight[r] * W @ embedding[r]`` (``W`` the
    dense layer's weight, its bias the table's bias), computed in float64
    and stored as float32.

    Parameters
    ----------
    net : NgramNet
        A trained, initialized network.
    center : bool, default True
        Subtract each row's mean: the probabilities (softmax) are unchanged,
        the scores of a text shift by the same amount in every class. False
        keeps the scores themselves (the ONNX export compares them).
    ctx : Context, optional
        Where the new network lives (default CPU).

    Returns
    -------
    NgramTableNet
        Initialized, not hybridized.
    """
    if not isinstance(net, NgramNet):
        raise TypeError(f'fold_ngram folds an NgramNet, not a {type(net).__name__}')
    ctx = ctx or mx.cpu()
    dense = net.output_layer
    weight = dense.weight.data().asnumpy().astype(np.float64)  # (K, D)
    vectors = net.embedding.weight.data().asnumpy()
    scale = net.nb_weight.weight.data().asnumpy()[:, 0]
    table = np.empty((len(vectors), weight.shape[0]), dtype=np.float32)
    step = 1 << 18  # rows per product, to bound the float64 copies
    for start in range(0, len(vectors), step):
        part = vectors[start:start + step].astype(np.float64) @ weight.T
        part *= scale[start:start + step, None]
        if center:
            part -= part.mean(axis=1, keepdims=True)
        table[start:start + step] = part
    folded = NgramTableNet(**table_kwargs(net))
    folded.initialize(mx.init.Zero(), ctx=ctx)
    folded.embedding.weight.set_data(mx.nd.array(table, ctx=ctx))
    folded.output_layer.bias.set_data(dense.bias.data().as_in_context(ctx))
    return folded
