"""The scores of a folded n-gram model (``ngram-table``) in numpy, from its texts' words unpadded.

An :class:`~gluon_sentiment.model.NgramTableNet` scores a text as the mean
of the table rows of its valid n-grams plus a bias. Its graph does it on
padded batches: every text of a batch is as wide as the batch's longest, and
every n-gram of the padding is hashed, looked up and masked away. On IMDB
reviews (a mean of 230 tokens, a longest of 1,000 kept) that is most of
the work. :func:`table_logits` computes the same scores from the texts'
word indices one text after another (what
:func:`~gluon_sentiment.data.corpus.flat_with_vocab` gives):

1. the n-grams of order ``n`` are the windows of ``n`` words that end
   inside their text and hold no padding index (the graph's mask);
2. each is hashed as :func:`~gluon_sentiment.model.ngram.ngram_ids` hashes
   it, with a bit mask in place of each remainder when ``num_buckets`` is a
   power of two (the same numbers for non-negative integers);
3. its row is read from a zero-copy numpy view of the table (DLPack, always
   the network's current parameters), and ``numpy.bincount`` sums the rows
   of each text in float64, divided by the text's count of n-grams.

The scores are the network's up to float32 rounding (the graph sums in
float32, in another order): on 5,000 IMDB reviews the probabilities of the
shipped model were at most 3.5e-7 apart and every label was the same
(``benchmarks/bench_predict.py``). :class:`~gluon_sentiment.inference.SentimentClassifier`
takes this path for an ``ngram-table`` network on the CPU
(:func:`scores_in_numpy`); ``clf.fast_paths = False`` keeps the graph.
"""
from typing import Callable, List, Sequence, Tuple

import mxnet as mx
import numpy as np

from ..model.ngram import HASH_PRIME
from ..model.ngram_table import NgramTableNet

__all__ = ['scores_in_numpy', 'flat_ngram_rows', 'table_logits']


def scores_in_numpy(net, ctx: Sequence[mx.Context]) -> bool:
    """Whether :func:`table_logits` scores for ``net``: an ``NgramTableNet`` itself (a subclass
    may change the forward pass) on the CPU."""
    return (type(net) is NgramTableNet  # pylint: disable=unidiomatic-typecheck
            and all(c.device_type == 'cpu' for c in ctx))


def _reducer(num_buckets: int) -> Callable[[np.ndarray], np.ndarray]:
    """``x % num_buckets`` for non-negative int64 ``x``, in place, by a bit mask for a power of two."""
    if num_buckets & (num_buckets - 1) == 0:
        mask = num_buckets - 1
        return lambda x: np.bitwise_and(x, mask, out=x)
    return lambda x: np.remainder(x, num_buckets, out=x)


def flat_ngram_rows(words: np.ndarray, lengths: np.ndarray, vocab_size: int, num_buckets: int,
                    orders: Sequence[int] = (1, 2, 3),
                    padding_index: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """Table row and text of every valid n-gram of texts given one after another.

    For ``X`` the padded matrix of the same texts (``X[i, :lengths[i]]`` is
    text ``i``, padding after), the rows are those of
    :func:`~gluon_sentiment.model.ngram.ngram_ids` ``(X, ...)`` whose mask is
    1, order after order, each order's in text order.

    Parameters
    ----------
    words : numpy.ndarray
        Word indices of all texts, concatenated, ``(lengths.sum(),)``.
    lengths : numpy.ndarray
        Words of each text.
    vocab_size, num_buckets, orders, padding_index
        As for :func:`~gluon_sentiment.model.ngram.ngram_ids`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int64 ``rows`` and ``texts`` (the index of each n-gram's text), both ``(n-grams,)``.
    """
    words = np.asarray(words, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    text = np.repeat(np.arange(len(lengths)), lengths)
    left = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(words))  # to its text's end
    usable = words != padding_index
    reduce = _reducer(num_buckets)
    rows: List[np.ndarray] = []
    texts: List[np.ndarray] = []
    for n in orders:
        valid = left >= n
        if not usable.all():
            for k in range(n):
                valid[:len(valid) - k] &= usable[k:]
        start = np.flatnonzero(valid)
        if n == 1:
            rows.append(words[start])
        else:
            code = reduce(words[start])
            for k in range(1, n):
                code *= HASH_PRIME
                code += words[start + k]
                reduce(code)
            code += n
            rows.append(reduce(code) + vocab_size)
        texts.append(text[start])
    return np.concatenate(rows), np.concatenate(texts)


class _Capsule:
    """What :func:`numpy.from_dlpack` reads: MXNet's DLPack capsule of a CPU array."""

    def __init__(self, array: mx.nd.NDArray):
        self._capsule = mx.nd.to_dlpack_for_read(array)  # after the writes pending on it

    def __dlpack__(self, stream=None):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU, device 0


def table_logits(net: NgramTableNet, words: np.ndarray, lengths: np.ndarray,
                 ctx: mx.Context = None, batch_size: int = 1024) -> np.ndarray:
    """Scores ``(n, num_classes)`` of ``net`` for texts given one after another, in numpy.

    The scores of ``net`` on the padded matrix of the same texts (see the
    module), in float64.

    Parameters
    ----------
    net : NgramTableNet
        Initialized, on the CPU.
    words, lengths : numpy.ndarray
        Word indices of all texts, concatenated, and the words of each text
        (:func:`~gluon_sentiment.data.corpus.flat_with_vocab`).
    ctx : Context, optional
        The CPU context whose parameters are read (default: the first).
    batch_size : int, default 1024
        Texts scored at once (bounds the memory).
    """
    table = np.from_dlpack(_Capsule(net.embedding.weight.data(ctx)))
    bias = net.output_layer.bias.data(ctx).asnumpy().astype(np.float64)
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    logits = np.empty((len(lengths), table.shape[1]), dtype=np.float64)
    for first in range(0, len(lengths), batch_size):
        last = min(first + batch_size, len(lengths))
        begin = ends[first] - lengths[first]
        rows, texts = flat_ngram_rows(words[begin:ends[last - 1]], lengths[first:last],
                                      net.words, net.num_buckets, net.ngram_orders,
                                      net.padding_index)
        values = np.take(table, rows, axis=0)
        size = last - first
        count = np.maximum(np.bincount(texts, minlength=size), 1)
        for k in range(table.shape[1]):
            logits[first:last, k] = np.bincount(texts, weights=values[:, k], minlength=size)
        logits[first:last] /= count[:, None]
    return logits + bias
