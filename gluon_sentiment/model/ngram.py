"""A fastText-style bag of n-grams, with optional naive-Bayes feature weights.

Each text becomes the bag of its words and of its hashed word bigrams and
trigrams; each member has a vector, the vectors are averaged (padding
masked out) and a dense layer scores the average (Joulin et al. 2017,
*Bag of Tricks for Efficient Text Classification*). With naive-Bayes
weighting each n-gram's vector is scaled by its log-count ratio on the
training set, as NBSVM scales its features (Wang & Manning 2012).

The n-gram hash is integer arithmetic on the word indices, computed inside
the graph (and by :func:`ngram_ids` in numpy, for counting): it is the same
in every process, unlike Python's salted ``hash``, and the network takes the
same ``(batch, seq_len)`` word indices as every other model here.
"""
from typing import List, Sequence, Tuple

import mxnet as mx
import numpy as np
from mxnet.gluon import HybridBlock, nn

from ..errors import ConfigError
from .base import SentimentNet
from .registry import register_model

__all__ = ['NgramNet', 'NgramRows', 'HashedNgramNet', 'MaskedMeanPool', 'ngram_ids', 'ngram_spans',
           'ngram_document_counts', 'nb_log_count_ratio', 'pool_weights', 'HASH_PRIME']

#: Multiplier of the polynomial n-gram hash (a prime larger than any vocabulary here).
HASH_PRIME = 1000003


def _check_orders(orders: Sequence[int]) -> Tuple[int, ...]:
    orders = tuple(int(n) for n in orders)
    if not orders or min(orders) < 1 or len(set(orders)) != len(orders):
        raise ValueError(f'ngram_orders must be distinct positive ints, got {orders}')
    return orders


def ngram_ids(X: np.ndarray, vocab_size: int, num_buckets: int, orders: Sequence[int] = (1, 2, 3),
              padding_index: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """Row of each n-gram of ``X`` in :class:`NgramNet`'s table, and its validity mask.

    Words (order 1) keep their vocabulary index; an n-gram of order
    ``n > 1`` at position ``i`` goes to row ``vocab_size + h mod num_buckets``
    with ``h = (sum_k X[i + k] * HASH_PRIME ** (n - 1 - k)) mod num_buckets + n``,
    computed by Horner's rule modulo ``num_buckets`` (``num_buckets`` must
    stay below ``2 ** 33`` for the in-graph arithmetic to be exact). An n-gram is
    valid if none of its words is padding. ``max(orders) - 1`` padding
    columns are appended first, so that any width works.

    Parameters
    ----------
    X : numpy.ndarray
        Word indices ``(batch, seq_len)``.
    vocab_size, num_buckets : int
        Sizes of the word part and the hashed part of the table.
    orders : sequence of int
        N-gram orders, e.g. ``(1, 2, 3)``.
    padding_index : int
        Index of ``<pad>``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int64 rows and float32 0/1 mask, both
        ``(batch, sum_n (seq_len + max(orders) - n))``, the orders one after another.
    """
    orders = _check_orders(orders)
    X = np.asarray(X, dtype=np.int64)
    X = np.concatenate([X, np.full((len(X), max(orders) - 1), padding_index, np.int64)], axis=1)
    valid = X != padding_index
    width = X.shape[1]
    rows, masks = [], []
    for n in orders:
        windows = [X[:, k:width - (n - 1 - k)] for k in range(n)]
        if n == 1:
            rows.append(windows[0])
        else:
            code = windows[0] % num_buckets
            for window in windows[1:]:
                code = (code * HASH_PRIME + window) % num_buckets
            rows.append(vocab_size + (code + n) % num_buckets)
        mask = np.ones(windows[0].shape, dtype=bool)
        for k in range(n):
            mask &= valid[:, k:width - (n - 1 - k)]
        masks.append(mask)
    return np.concatenate(rows, axis=1), np.concatenate(masks, axis=1).astype(np.float32)


def ngram_document_counts(X: np.ndarray, y: np.ndarray, vocab_size: int, num_buckets: int,
                          orders: Sequence[int] = (1, 2, 3), padding_index: int = 1,
                          batch_size: int = 1024) -> np.ndarray:
    """How many texts of each class contain each row of :class:`NgramNet`'s table.

    Binarized counts (a text counts once for a row, however often its
    n-grams reach it), as NBSVM counts; rows no text reaches count 0.

    Parameters
    ----------
    X, y : numpy.ndarray
        Word indices ``(n, seq_len)`` and class labels (0 .. K-1) ``(n,)``.
    vocab_size, num_buckets, orders, padding_index
        As for :func:`ngram_ids`.
    batch_size : int
        Texts hashed at once (bounds the memory).

    Returns
    -------
    numpy.ndarray
        float64 ``(max(2, K), vocab_size + num_buckets)``.
    """
    rows_total = vocab_size + num_buckets
    y = np.asarray(y)
    num_classes = max(2, int(y.max()) + 1) if len(y) else 2
    # rows of each class's (text, n-gram) pairs, counted once at the end
    found: List[List[np.ndarray]] = [[] for _ in range(num_classes)]
    # texts of similar length hashed together, each batch cut after its longest text (the
    # counts are sums over texts, so neither the order nor the padding changes them)
    X = np.asarray(X)
    ends = np.where(X != padding_index, np.arange(1, X.shape[1] + 1), 0).max(axis=1, initial=0)
    order = np.argsort(ends, kind='stable')
    for start in range(0, len(X), batch_size):
        chosen = order[start:start + batch_size]
        width = max(1, int(ends[chosen].max()))
        rows, mask = ngram_ids(X[chosen, :width], vocab_size, num_buckets, orders, padding_index)
        labels = y[chosen]
        # one count per text and row: offset each text's rows into its own range, then unique
        text = np.repeat(np.arange(len(rows)), rows.shape[1]).reshape(rows.shape)
        keys = np.unique((text * rows_total + rows)[mask > 0])
        text_of, row_of = np.divmod(keys, rows_total)
        for cls in range(num_classes):
            found[cls].append(row_of[labels[text_of] == cls])
    return np.stack([np.bincount(np.concatenate(rows) if rows else np.zeros(0, np.int64),
                                 minlength=rows_total) for rows in found]).astype(np.float64)


def nb_log_count_ratio(X: np.ndarray, y: np.ndarray, vocab_size: int, num_buckets: int,
                       orders: Sequence[int] = (1, 2, 3), padding_index: int = 1,
                       alpha: float = 1.0, batch_size: int = 1024) -> np.ndarray:
    """Naive-Bayes log-count ratio of every row of :class:`NgramNet`'s table.

    ``r = log((p / |p|_1) / (q / |q|_1))`` with ``p = alpha + `` the number of
    positive texts that contain the n-gram and ``q`` the same for negative
    texts (binarized counts, as NBSVM; see :func:`ngram_document_counts`).
    Rows no training n-gram reaches get 0.

    With K > 2 classes (labels ``0 .. K-1``) each class ``k`` gets the
    one-vs-rest ratio ``r_k`` (``p`` counting texts of class ``k``, ``q``
    those of every other class), and a row's weight is ``max_k |r_k|``: how
    strongly the n-gram points to *some* class, since one scalar per row
    cannot carry a sign per class. For two classes, class 1 vs the rest is
    exactly the binary ratio above, signed as always.

    Parameters
    ----------
    X, y : numpy.ndarray
        Training word indices ``(n, seq_len)`` and class labels (0/1, or 0 .. K-1) ``(n,)``.
    vocab_size, num_buckets, orders, padding_index
        As for :func:`ngram_ids`.
    alpha : float, default 1.0
        Smoothing count.
    batch_size : int
        Texts hashed at once (bounds the memory).

    Returns
    -------
    numpy.ndarray
        float32 ``(vocab_size + num_buckets,)``.
    """
    counts = ngram_document_counts(X, y, vocab_size, num_buckets, orders, padding_index,
                                   batch_size)
    num_classes = len(counts)
    seen = counts.sum(axis=0) > 0
    if num_classes == 2:
        ratio = _log_count_ratio(counts[1], counts[0], alpha)
    else:
        total = counts.sum(axis=0)
        ratio = np.max([np.abs(_log_count_ratio(counts[k], total - counts[k], alpha))
                        for k in range(num_classes)], axis=0)
    return np.where(seen, ratio, 0.0).astype(np.float32)


def _log_count_ratio(ours: np.ndarray, theirs: np.ndarray, alpha: float) -> np.ndarray:
    p = ours + alpha
    q = theirs + alpha
    return np.log((p / p.sum()) / (q / q.sum()))


def ngram_spans(width: int, orders: Sequence[int] = (1, 2, 3)) -> Tuple[np.ndarray, np.ndarray]:
    """First word and order of each n-gram column of :func:`ngram_ids` for inputs ``width`` wide.

    Column ``j`` of the rows (and of the mask) is the n-gram of ``orders[o]``
    words starting at word ``starts[j]``; its words are
    ``tokens[starts[j]:starts[j] + widths[j]]``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int64 ``starts`` and ``widths``, both ``(sum_n (width + max(orders) - n),)``.
    """
    orders = _check_orders(orders)
    padded = width + max(orders) - 1
    starts = [np.arange(padded - n + 1) for n in orders]
    widths = [np.full(padded - n + 1, n) for n in orders]
    return np.concatenate(starts).astype(np.int64), np.concatenate(widths).astype(np.int64)


def pool_weights(F, mask, scale):
    """Weight ``mask * scale / count`` of each n-gram in the mean of :class:`MaskedMeanPool`.

    ``count`` is the number of valid n-grams of the text (at least 1);
    ``(batch, length)`` in and out.
    """
    count = F.maximum(F.sum(mask, axis=1, keepdims=True), 1)
    return F.broadcast_div(mask * scale, count)


class MaskedMeanPool(HybridBlock):
    """Mean of the rows of ``(batch, length, dim)`` whose mask ``(batch, length)`` is 1, each scaled.

    ``hybrid_forward(F, x, mask, scale)``: row ``j`` of text ``i`` counts
    ``scale[i, j] * x[i, j]`` if ``mask[i, j]`` is 1, and the sum is divided
    by the number of valid rows; a text without any valid row gets zeros.
    The weights ``mask * scale / count`` (:func:`pool_weights`) are one
    ``(batch, 1, length)`` operand of a ``batch_dot`` (a matrix product per
    text) and carry no gradient, so the backward pass is one outer product
    into the rows, without the broadcast reductions and the sum over the
    length of the plain form, which took over half of a training step.
    """

    def hybrid_forward(self, F, x, mask, scale):  # pylint: disable=arguments-differ
        weight = F.BlockGrad(pool_weights(F, mask, scale))
        return F.reshape(F.batch_dot(F.expand_dims(weight, axis=1), x), (0, -1))


class HashedNgramNet(SentimentNet):
    """The frame of the bag-of-n-gram models: one table of word rows and hashed n-gram rows.

    Rows ``0 .. vocab_size - 1`` are the words of the vocabulary, then
    ``num_buckets`` rows hold the hashed n-grams of order 2 and more (see
    :func:`ngram_ids`; :meth:`ngram_rows` computes them in the graph). The
    scores are a weighted mean over the text's n-grams, so at inference they
    are a sum of one term per n-gram plus a bias: :meth:`ngram_terms`
    gives the terms, which :mod:`gluon_sentiment.analysis.explain` reads.
    Subclasses: :class:`NgramNet` (vectors and a dense layer, trained) and
    :class:`~gluon_sentiment.model.ngram_table.NgramTableNet` (one score row
    per n-gram, folded from a trained :class:`NgramNet`).

    Parameters
    ----------
    vocab_size : int
        Words in the vocabulary, including ``<unk>`` and ``<pad>``.
    embed_size : int
        Width of each row of the table.
    num_buckets : int, default 2 ** 20
        Rows for hashed n-grams of order 2 and more (they share them).
    ngram_orders : sequence of int, default (1, 2, 3)
        Orders in the bag (1 = words).
    **kwargs
        Passed to :class:`SentimentNet` (``num_classes``, ``dropout``,
        ``padding_index``).
    """

    #: pretrained word vectors do not apply (``--embedding`` is refused)
    accepts_pretrained = False
    #: the encoder reads the embedding its own way: no dropout on the embedded tokens
    supports_embed_dropout = False
    #: padding n-grams are masked, so padding may be cut anywhere (one column kept)
    length_margin = 1

    def __init__(self, vocab_size: int, embed_size: int, num_buckets: int = 2 ** 20,
                 ngram_orders: Sequence[int] = (1, 2, 3), **kwargs):
        super().__init__(vocab_size + num_buckets, embed_size, **kwargs)
        self._words = vocab_size
        self._num_buckets = num_buckets
        self._orders = _check_orders(ngram_orders)

    @property
    def words(self) -> int:
        """Word rows of the table (the vocabulary size)."""
        return self._words

    @property
    def num_buckets(self) -> int:
        """Hashed n-gram rows of the table."""
        return self._num_buckets

    @property
    def ngram_orders(self) -> Tuple[int, ...]:
        """N-gram orders in the bag."""
        return self._orders

    @property
    def num_classes(self) -> int:
        """Output classes."""
        return self._num_classes

    def ngram_rows(self, F, inputs):
        """Table rows and 0/1 mask of the n-grams of ``inputs``, as :func:`ngram_ids` (in-graph).

        ``F`` is ``mxnet.nd`` or ``mxnet.sym``; returns float32 arrays shaped
        as :func:`ngram_ids` returns them.
        """
        x = F.cast(inputs, 'int64')
        longest = max(self._orders) - 1
        if longest:  # padding columns, so that texts shorter than an order still work
            column = F.ones_like(F.slice_axis(x, axis=1, begin=0, end=1)) * self._padding_index
            x = F.concat(x, *([column] * longest), dim=1)
        valid = x != self._padding_index
        rows, masks = [], []
        for n in self._orders:
            span = n - 1
            windows = [F.slice_axis(x, axis=1, begin=k, end=(k - span) or None)
                       for k in range(n)]
            if n == 1:
                rows.append(windows[0])
            else:
                # reduced at every step: MXNet computes scalar arithmetic on int64 through
                # float64, exact only below 2 ** 53. Two reductions of ngram_ids are folded
                # into the next one (equal modulo num_buckets, and exact): the first word's
                # (a word index times HASH_PRIME stays far below 2 ** 53) and the offset n's
                code = windows[0]
                for k, window in enumerate(windows[1:], 2):
                    code = code * HASH_PRIME + window
                    code = (code + n if k == n else code) % self._num_buckets
                rows.append(code + self._words)
            mask = F.slice_axis(valid, axis=1, begin=0, end=(-span) or None)
            for k in range(1, n):
                mask = mask * F.slice_axis(valid, axis=1, begin=k, end=(k - span) or None)
            masks.append(mask)
        return (F.cast(F.concat(*rows, dim=1), 'float32'),
                F.cast(F.concat(*masks, dim=1), 'float32'))

    def classify(self, F, embedded, inputs):
        """Not available: the scores come from n-gram rows, not from :meth:`embed`'s words.

        Raises
        ------
        ConfigError
            Always; gradient x input over word vectors does not apply
            (:meth:`ngram_terms` explains these models exactly).
        """
        raise ConfigError(f'{type(self).__name__} scores hashed n-grams, not word vectors: '
                          'gradient x input over words does not apply')

    def ngram_terms(self, inputs: mx.nd.NDArray) -> Tuple[np.ndarray, np.ndarray]:
        """The scores of ``inputs`` as one term per n-gram plus a bias (inference, ``mxnet.nd``).

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            ``terms`` ``(batch, n-grams, num_classes)`` in the columns of
            :func:`ngram_ids` (see :func:`ngram_spans`; a masked n-gram's
            term is 0) and ``bias`` ``(num_classes,)``:
            ``scores = terms.sum(axis=1) + bias``.
        """
        raise NotImplementedError


@register_model('ngram')
class NgramNet(HashedNgramNet):
    """Bag of words and hashed word n-grams, averaged, then dense; registered as ``ngram``.

    ``embedding`` holds ``vocab_size`` word rows (so row ``i`` is word ``i``
    of the vocabulary, as in the other models) followed by ``num_buckets``
    rows of hashed n-grams; see :func:`ngram_ids`. ``nb_weight`` holds one
    fixed scale per row (``grad_req='null'``): all ones, or after
    :meth:`init_from_data` with ``nb_weighting`` the naive-Bayes log-count
    ratios of the training set.

    Parameters
    ----------
    vocab_size : int
        Words in the vocabulary, including ``<unk>`` and ``<pad>``.
    embed_size : int, default 16
        Width of each n-gram's vector.
    num_buckets : int, default 2 ** 20
        Rows for hashed n-grams of order 2 and more (they share them).
    ngram_orders : sequence of int, default (1, 2, 3)
        Orders in the bag (1 = words).
    nb_weighting : bool, default True
        Scale each n-gram by its naive-Bayes log-count ratio.
    dropout : float, default 0.0
        Dropout on the averaged vector.
    num_classes : int, default 2
        Output classes (passed to :class:`SentimentNet`, as are ``embed_dropout``
        and ``padding_index``).
    padding_index : int, default 1
        Index of ``<pad>`` in the vocabulary.
    sparse_grad : bool, default True
        Row-sparse gradient for ``embedding``: a step updates only the rows
        its batch used (with Adam, MXNet's lazy update), about five times
        faster per step on CPU than a dense update of the whole table.
        Distributed runs (``--kvstore dist_sync``, ``dist_async``) build it
        with ``False``: their workers combine dense gradients.
    """

    def __init__(self, vocab_size: int, embed_size: int = 16, num_buckets: int = 2 ** 20,
                 ngram_orders: Sequence[int] = (1, 2, 3), nb_weighting: bool = True,
                 dropout: float = 0.0, sparse_grad: bool = True, **kwargs):
        super().__init__(vocab_size, embed_size, num_buckets, ngram_orders, dropout=dropout,
                         **kwargs)
        self._nb_weighting = nb_weighting
        with self.name_scope():
            if sparse_grad:
                self.embedding = nn.Embedding(vocab_size + num_buckets, embed_size,
                                              sparse_grad=True)
            self.nb_weight = nn.Embedding(vocab_size + num_buckets, 1,
                                          weight_initializer=mx.init.One())
            self.nb_weight.weight.grad_req = 'null'
            self.features = MaskedMeanPool()

    def init_from_data(self, X: np.ndarray, y: np.ndarray) -> None:
        """Set ``nb_weight`` to the log-count ratios of ``(X, y)`` if ``nb_weighting``.

        Called by :func:`gluon_sentiment.training.run_training` once, after
        initialization, with the training split.
        """
        if not self._nb_weighting:
            return
        ratio = nb_log_count_ratio(X, y, self._words, self._num_buckets, self._orders,
                                   self._padding_index)
        self.nb_weight.weight.set_data(mx.nd.array(ratio.reshape(-1, 1)))

    def ngram_terms(self, inputs: mx.nd.NDArray) -> Tuple[np.ndarray, np.ndarray]:
        """Each n-gram's term ``weight * nb_weight * (W @ vector)``, and the dense bias.

        See :meth:`HashedNgramNet.ngram_terms`; ``W`` and the bias are those
        of :attr:`output_layer` (dropout is off at inference).
        """
        rows, mask = self.ngram_rows(mx.nd, inputs)
        weight = pool_weights(mx.nd, mask, mx.nd.reshape(self.nb_weight(rows), (0, -1)))
        dense = self.output_layer
        scores = mx.nd.dot(self.embedding(rows), dense.weight.data(inputs.context),
                           transpose_b=True)
        terms = mx.nd.broadcast_mul(scores, mx.nd.expand_dims(weight, axis=2))
        return terms.asnumpy(), dense.bias.data(inputs.context).asnumpy()

    def score_rows(self, F, rows, mask):
        """Scores ``(batch, num_classes)`` from the n-gram rows and mask of :meth:`ngram_rows`."""
        scale = F.reshape(self.nb_weight(rows), (0, -1))
        return self.output(self.features(self.embedding(rows), mask, scale))

    def hybrid_forward(self, F, inputs):  # pylint: disable=arguments-differ
        """Scores ``(batch, num_classes)`` for word indices ``(batch, seq_len)``."""
        return self.score_rows(F, *self.ngram_rows(F, inputs))

    def training_block(self, hybridize: bool = True) -> 'NgramRows':
        """A :class:`NgramRows` over this network: training steps hash the n-grams in numpy."""
        block = NgramRows(self)
        if hybridize:
            block.hybridize(static_alloc=True)
        return block


class NgramRows(HybridBlock):
    """An :class:`NgramNet` called on n-gram rows hashed in numpy: the training path.

    ``NgramRows(net)(rows, mask)`` equals ``net(X)`` for ``rows, mask =
    training_inputs(X)`` (:func:`ngram_ids`, the graph's hash), with
    ``net``'s parameters (``net`` is this block's only child). Hashing in
    numpy, in the Python thread while MXNet still runs the previous step,
    takes the graph's slices, modulos and concatenations out of every step:
    on 2 cores a training step of the 2^22-row model took about 1.4 times
    as long with them (``benchmarks/bench_peers.py`` epoch times in README).
    Inference and export keep the network's own graph, which takes word
    indices.
    """

    def __init__(self, net: NgramNet, **kwargs):
        super().__init__(**kwargs)
        self.net = net

    def training_inputs(self, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """float32 rows and mask of the n-grams of word indices ``X`` (see :func:`ngram_ids`)."""
        net = self.net
        rows, mask = ngram_ids(X, net.words, net.num_buckets, net.ngram_orders, net.padding_index)
        return rows.astype(np.float32), mask

    def hybrid_forward(self, F, rows, mask):  # pylint: disable=arguments-differ
        """Scores ``(batch, num_classes)`` of the texts whose n-grams are ``rows`` and ``mask``."""
        return self.net.score_rows(F, rows, mask)
