"""The classifier: a trained network with the vocabulary and input length it was trained with.

::

    clf = gluon_sentiment.load_model('runs/multikernel')
    clf.predict_proba(['the movie was awesome. Loved it'])   # [[P(neg), P(pos)]]
    clf.predict(['dull and far too long'])                     # [0]
"""
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import gluon

from ..data.corpus import CorpusTokens, encode_with_vocab, flat_with_vocab, tokenize_corpus
from ..data.text import check_tokenizer, tokenize
from ..data.vocab import PAD, scatter_padded
from ..model.base import SentimentNet
from .batches import apply_temperature, predict_logits, softmax
from .conv_scores import conv_logits, tables_pay
from .ngram_scores import scores_in_numpy, table_logits

__all__ = ['SentimentClassifier', 'LABELS', 'decide']

#: label index -> name of a binary run
LABELS = ('negative', 'positive')


def decide(probs: np.ndarray, threshold: Optional[float] = None) -> np.ndarray:
    """Labels ``(n,)`` of class probabilities ``(n, K)``: the most probable class.

    A binary ``threshold`` replaces the argmax: positive when
    ``P(positive) > threshold``. Without one, a tie goes to class 0, as
    ``P(positive) > P(negative)`` always decided.
    """
    probs = np.asarray(probs)
    if threshold is not None and probs.shape[1] == 2:
        return (probs[:, 1] > threshold).astype(np.int64)
    return probs.argmax(axis=1)


class SentimentClassifier:
    """A trained network with the vocabulary and input length it was trained with.

    Parameters
    ----------
    net : mxnet.gluon.Block
        Initialized network mapping ``(batch, seq_len)`` indices to 2 scores.
    vocab : gluonnlp.Vocab
        The training vocabulary.
    seq_len : int
        Tokens per text after truncation and padding.
    ctx : mxnet.Context or list of Context, optional
        Where ``net`` lives (default CPU).
    batch_size : int, default 1024
        Texts per forward pass (sorted by length first when the network
        takes variable lengths, so a batch is cut to its longest text).
    truncate : {'post', 'pre'}, default 'post'
        Which end of a longer text is cut, as in training.
    name : str, optional
        Registry name of the model (``'multikernel'``), for reports.
    length_margin : int, optional
        For a network that is not a :class:`~gluon_sentiment.model.SentimentNet`
        (the ``SymbolBlock`` of a bundle): its margin, from the manifest.
        A ``SentimentNet`` declares its own, which wins.

    Attributes
    ----------
    tokenizer : {'kim', 'tutorial'}
        The cleaning rules every text is tokenized with before encoding
        (:func:`gluon_sentiment.data.tokenize`): those of training. ``'kim'``
        unless set; :func:`~gluon_sentiment.inference.load_model` sets the
        run's. Setting another name raises ``ValueError``.
    length_margin : int or None
        ``None``: texts go to ``net`` at exactly ``seq_len`` tokens. An int
        ``m``: each batch is cut to its longest text plus ``m`` columns.
    class_names : tuple of str
        Name of each class, by index (default ``('negative', 'positive')``);
        :func:`~gluon_sentiment.inference.load_model` sets the run's.
    temperature : float or None
        The calibration temperature applied to the probabilities (see
        :func:`~gluon_sentiment.inference.batches.apply_temperature`); None
        (runs trained without calibration, or before it existed): none.
    bias : sequence of float or None
        Runs trained with class weights: the calibration's bias per class,
        added after the temperature (the prior correction, see
        :mod:`gluon_sentiment.analysis.calibration`); None for every other run.
    threshold : float or None
        Binary runs: :meth:`predict` says positive when ``P(positive) >
        threshold``; None: the most probable class.
    fast_paths : bool
        Default True: on the CPU, an ``ngram-table`` network is scored in
        numpy from the unpadded words (:mod:`.ngram_scores`) and a
        ``multikernel`` one from tables of its words' convolutions
        (:mod:`.conv_scores`, for calls of at least ``vocab_size`` tokens):
        the same predictions, several times as fast. False: every network
        by its graph.
    """

    class_names: Tuple[str, ...] = LABELS
    temperature: Optional[float] = None
    bias: Optional[Tuple[float, ...]] = None
    threshold: Optional[float] = None
    fast_paths: bool = True

    def __init__(self, net: gluon.Block, vocab: nlp.Vocab, seq_len: int,
                 ctx: Union[mx.Context, Sequence[mx.Context], None] = None, batch_size: int = 1024,
                 truncate: str = 'post', name: Optional[str] = None,
                 length_margin: Optional[int] = None):
        self.net = net
        self._tokenizer = 'kim'
        self.length_margin = net.length_margin if isinstance(net, SentimentNet) else length_margin
        self.name = name
        self.truncate = truncate
        self.vocab = vocab
        self.seq_len = seq_len
        if ctx is None:
            ctx = [mx.cpu()]
        self.ctx = list(ctx) if isinstance(ctx, (list, tuple)) else [ctx]
        self.batch_size = batch_size

    def tokenize(self, texts: Union[str, Iterable[str]]) -> CorpusTokens:
        """The tokens of raw texts as this classifier reads them, in numpy passes.

        One tokenization serves every classifier with the same :attr:`tokenizer`
        (:meth:`encode_tokens`, :meth:`predict_proba_tokens`): an ensemble
        tokenizes once for all its members.
        """
        return tokenize_corpus(_as_list(texts), self.tokenizer)

    def encode(self, texts: Iterable[str]) -> np.ndarray:
        """Token indices ``(n, seq_len)`` for raw texts."""
        return self._encode(texts)[0]

    @property
    def tokenizer(self) -> str:
        """The cleaning rules of training, one of :data:`~gluon_sentiment.data.text.TOKENIZERS`."""
        return self._tokenizer

    @tokenizer.setter
    def tokenizer(self, name: str) -> None:
        self._tokenizer = check_tokenizer(name)

    def text_tokens(self, text: str) -> List[str]:
        """The tokens of one ``text`` under the classifier's :attr:`tokenizer`."""
        return tokenize(text, self.tokenizer)

    def _encode(self, texts):
        return self.encode_tokens(self.tokenize(texts))

    def encode_tokens(self, tokens: CorpusTokens):
        """Token indices ``(n, seq_len)`` and valid lengths ``(n,)`` of :meth:`tokenize`'s tokens.

        Exactly what ``encode_batch([tokenize(t) for t in texts], vocab,
        seq_len, truncate)`` gives (see
        :func:`gluon_sentiment.data.corpus.encode_with_vocab`).
        """
        return encode_with_vocab(tokens, self.vocab, self.seq_len, self.truncate)

    def encode_flat(self, tokens: CorpusTokens) -> Tuple[np.ndarray, np.ndarray]:
        """:meth:`encode_tokens` without the padding: int32 indices of every text, one after
        another, and the int32 valid lengths (see
        :func:`gluon_sentiment.data.corpus.flat_with_vocab`)."""
        return flat_with_vocab(tokens, self.vocab, self.seq_len, self.truncate)

    def predict_proba(self, texts: Union[str, Iterable[str]]) -> np.ndarray:
        """Class probabilities ``(n, K)``; binary: ``[P(negative), P(positive)]`` per text.

        Calibrated by :attr:`temperature` (and :attr:`bias`) when the run has one; never
        changed by :attr:`threshold`. A text with no known word (or no word
        at all) still gets a valid prediction: its tokens map to ``<unk>``
        and ``<pad>``.
        """
        return self.predict_proba_tokens(self.tokenize(texts))

    def predict_proba_tokens(self, tokens: CorpusTokens) -> np.ndarray:
        """:meth:`predict_proba` of texts already tokenized by :meth:`tokenize`."""
        return self.predict_proba_flat(*self.encode_flat(tokens))

    def predict_proba_flat(self, words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """:meth:`predict_proba` of texts already encoded by :meth:`encode_flat`.

        An ``ngram-table`` network on the CPU scores them in numpy (see
        :attr:`fast_paths`); any other is given the padded matrix of
        :meth:`encode_tokens` (:meth:`predict_proba_encoded`).
        """
        if self.fast_paths and scores_in_numpy(self.net, self.ctx):
            return self._calibrated(table_logits(self.net, words, lengths, self.ctx[0],
                                                 self.batch_size))
        X = scatter_padded(words, lengths, self.seq_len, self.vocab.token_to_idx[PAD])
        return self.predict_proba_encoded(X, lengths)

    def predict_proba_encoded(self, X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """:meth:`predict_proba` of texts already encoded by :meth:`encode_tokens`.

        By the network's graph, or for a ``multikernel`` network on the CPU
        from the tables of :mod:`.conv_scores` when they pay (see :attr:`fast_paths`).
        """
        margin = self.length_margin
        if self.fast_paths and tables_pay(self.net, self.ctx, int(np.sum(lengths))):
            return self._calibrated(conv_logits(self.net, X, lengths, self.ctx[0]))
        logits = predict_logits(self.net, X, self.ctx, self.batch_size,
                                None if margin is None else lengths, margin or 0)
        return self._calibrated(logits)

    def _calibrated(self, logits: np.ndarray) -> np.ndarray:
        return apply_temperature(softmax(logits.astype(np.float64)), self.temperature, self.bias)

    def predict(self, texts: Union[str, Iterable[str]]) -> np.ndarray:
        """Class indices ``(n,)`` (binary: 1 positive, 0 negative), by :func:`decide`."""
        return decide(self.predict_proba(texts), self.threshold)


def _as_list(texts: Union[str, Iterable[str]]) -> List[str]:
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f'expected texts as str, got {type(text).__name__}')
    return texts
