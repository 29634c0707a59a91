"""Vocabulary, encoding, decoding and padding.

The vocabulary is a :class:`gluonnlp.Vocab` of the most frequent tokens of the
*training* texts. Its layout is fixed:

* index 0 is ``<unk>``. **Unknown-word policy:** a token outside the
  vocabulary is encoded as ``<unk>``, so it keeps its position (the tutorial
  dropped such words, which joined the words on either side of them into
  false n-grams);
* index 1 is ``<pad>``, the padding token. It is never a real word (the
  tutorial padded with 0, which was also its most frequent word);
* indices 2 .. ``max_size + 1`` are words, most frequent first, ties broken
  alphabetically, as :class:`gluonnlp.Vocab` orders them.

Sequences are cut to their first ``seq_len`` tokens and padded at the end.

``seq_len='auto'`` (``--seq-len auto``) takes the length from the training
texts (:func:`auto_seq_len`): the :data:`AUTO_PERCENTILE`-th percentile of
their token counts, rounded up to a multiple of :data:`AUTO_MULTIPLE` and at
most :data:`AUTO_MAX`, so that a corpus of sentences is not padded to 500.
"""
import collections
import itertools
import math
from typing import Iterable, List, Sequence, Tuple, Union

import gluonnlp as nlp
import numpy as np

__all__ = ['TRUNCATE', 'UNK', 'PAD', 'build_vocab', 'encode', 'encode_batch', 'decode', 'pad_batch',
           'scatter_padded', 'truncate_flat', 'AUTO', 'AUTO_PERCENTILE', 'AUTO_MULTIPLE', 'AUTO_MAX',
           'auto_seq_len', 'parse_seq_len']

#: values of ``truncate``: which end of a longer text is cut
TRUNCATE = ('pre', 'post')
#: the ``seq_len`` that is chosen from the training texts (:func:`auto_seq_len`)
AUTO = 'auto'
#: percentile of the training texts' token counts that ``seq_len='auto'`` keeps whole
AUTO_PERCENTILE = 95
#: ``seq_len='auto'`` is a multiple of this (and at least this)
AUTO_MULTIPLE = 16
#: the longest ``seq_len='auto'`` chooses
AUTO_MAX = 1024

UNK = '<unk>'
PAD = '<pad>'


def build_vocab(token_lists: Iterable[Sequence[str]], max_size: int = 5000) -> nlp.Vocab:
    """Build a vocabulary of the ``max_size`` most frequent tokens.

    Parameters
    ----------
    token_lists : iterable of list of str
        Tokenized training texts.
    max_size : int, default 5000
        Number of words, not counting ``<unk>`` and ``<pad>``. If the texts
        hold fewer distinct tokens, all of them are kept.

    Returns
    -------
    gluonnlp.Vocab
        ``<unk>`` at 0, ``<pad>`` at 1, then the words.
    """
    counter = collections.Counter()
    for tokens in token_lists:
        counter.update(tokens)
    return _vocab_from_counter(counter, max_size)


def auto_seq_len(lengths: Sequence[int]) -> int:
    """The ``seq_len`` that ``'auto'`` picks for texts of these token counts.

    The :data:`AUTO_PERCENTILE`-th percentile of ``lengths`` (the smallest
    count that 95% of the texts do not exceed), rounded up to a multiple of
    :data:`AUTO_MULTIPLE`, between :data:`AUTO_MULTIPLE` and
    :data:`AUTO_MAX`: 95% of the texts are read whole, and the padding of a
    batch is cut beyond its longest text anyway when the model takes
    variable lengths (bucketing). IMDB's training reviews (Kim's tokenizer)
    give 656; their first sentences 64.
    """
    lengths = np.asarray(lengths)
    if not len(lengths):
        return AUTO_MULTIPLE
    # the smallest count that AUTO_PERCENTILE% of the texts do not exceed
    quantile = float(np.percentile(lengths, AUTO_PERCENTILE, method='inverted_cdf'))
    rounded = AUTO_MULTIPLE * math.ceil(quantile / AUTO_MULTIPLE)
    return int(min(max(rounded, AUTO_MULTIPLE), AUTO_MAX))


def parse_seq_len(text: str) -> Union[int, str]:
    """A ``--seq-len`` value: a whole number, or ``'auto'`` (see :func:`auto_seq_len`).

    Raises
    ------
    ValueError
        For anything else.
    """
    if str(text).strip().lower() == AUTO:
        return AUTO
    return int(text)


def _vocab_from_counter(counter: collections.Counter, max_size: int) -> nlp.Vocab:
    """The :class:`gluonnlp.Vocab` of this layout for token counts."""
    return nlp.Vocab(counter, max_size=max_size, min_freq=1, unknown_token=UNK,
                     padding_token=PAD, bos_token=None, eos_token=None)


def _check_truncate(truncate: str) -> None:
    """Raise ``ValueError`` unless ``truncate`` is one of :data:`TRUNCATE`."""
    if truncate not in TRUNCATE:
        raise ValueError(f"truncate must be 'pre' or 'post', got {truncate!r}")


def encode(tokens: Sequence[str], vocab: nlp.Vocab) -> List[int]:
    """Map tokens to indices, unknown tokens to the index of ``<unk>``."""
    lookup = vocab.token_to_idx.get
    unk = vocab.token_to_idx[UNK]
    return [lookup(token, unk) for token in tokens]


def pad_batch(sequences: Sequence[Sequence[int]], seq_len: int, pad_id: int,
              truncate: str = 'post') -> Tuple[np.ndarray, np.ndarray]:
    """Cut each sequence to ``seq_len`` and pad it at the end with ``pad_id``.

    ``truncate='post'`` keeps the first ``seq_len`` tokens of a longer
    sequence, ``'pre'`` keeps the last ones (Keras' ``pad_sequences`` names).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int32 array of shape ``(len(sequences), seq_len)`` and the int32
        valid lengths (after cutting).
    """
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    flat = np.fromiter(itertools.chain.from_iterable(sequences), dtype=np.int64,
                       count=int(lengths.sum()))
    out = scatter_padded(flat, lengths, seq_len, pad_id, truncate)
    return out, np.minimum(lengths, seq_len).astype(np.int32)


def encode_batch(token_lists: Iterable[Sequence[str]], vocab: nlp.Vocab, seq_len: int,
                 truncate: str = 'post') -> Tuple[np.ndarray, np.ndarray]:
    """Encode tokenized texts into a padded int32 matrix and their valid lengths.

    Same result as :func:`pad_batch` over :func:`encode` of each text (see
    there for ``truncate``), but every token of the batch is looked up in
    one C-level ``map`` and written with one numpy scatter.
    """
    _check_truncate(truncate)
    kept = [tokens if len(tokens) <= seq_len else
            tokens[:seq_len] if truncate == 'post' else tokens[len(tokens) - seq_len:]
            for tokens in token_lists]
    lengths = np.fromiter(map(len, kept), dtype=np.int32, count=len(kept))
    total = int(lengths.sum())
    lookup = vocab.token_to_idx.get
    flat = np.fromiter(map(lookup, itertools.chain.from_iterable(kept),
                           itertools.repeat(vocab.token_to_idx[UNK])),
                       dtype=np.int32, count=total)
    return scatter_padded(flat, lengths, seq_len, vocab.token_to_idx[PAD]), lengths


def scatter_padded(flat: np.ndarray, lengths: np.ndarray, seq_len: int, pad_id: int,
                   truncate: str = 'post') -> np.ndarray:
    """Write concatenated sequences into a padded ``(len(lengths), seq_len)`` int32 matrix.

    ``flat`` holds the sequences one after another, ``lengths`` their sizes;
    a longer sequence is cut as ``truncate`` says (see :func:`pad_batch`).
    One numpy scatter, no Python loop over the sequences.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    position, keep = _kept_positions(len(flat), lengths, seq_len, truncate)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    out = np.full((len(lengths), seq_len), pad_id, dtype=np.int32)
    out[rows[keep], position[keep]] = flat[keep]
    return out


def truncate_flat(flat: np.ndarray, lengths: np.ndarray, seq_len: int,
                  truncate: str = 'post') -> Tuple[np.ndarray, np.ndarray]:
    """Cut concatenated sequences to ``seq_len`` each, without padding them.

    The result is the rows of :func:`scatter_padded` without their padding,
    concatenated: ``words[starts[i]:starts[i] + kept[i]]`` is
    ``scatter_padded(...)[i, :kept[i]]``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The kept elements of ``flat`` (its dtype), and the int32 kept lengths.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    kept = np.minimum(lengths, seq_len).astype(np.int32)
    if not len(lengths) or lengths.max() <= seq_len:
        _check_truncate(truncate)
        return np.asarray(flat), kept
    return np.asarray(flat)[_kept_positions(len(flat), lengths, seq_len, truncate)[1]], kept


def _kept_positions(total: int, lengths: np.ndarray, seq_len: int,
                    truncate: str) -> Tuple[np.ndarray, np.ndarray]:
    """Column of each of ``total`` concatenated elements after the cut, and whether it is kept."""
    _check_truncate(truncate)
    position = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    if truncate == 'pre':
        position -= np.repeat(np.maximum(lengths - seq_len, 0), lengths)
    return position, (position >= 0) & (position < seq_len)


def decode(ids: Iterable[int], vocab: nlp.Vocab) -> List[str]:
    """Map indices back to tokens, leaving out padding."""
    pad = vocab.token_to_idx[PAD]
    return [vocab.idx_to_token[int(i)] for i in ids if int(i) != pad]
