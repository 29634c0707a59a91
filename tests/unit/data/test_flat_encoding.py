"""Unpadded encoding: ``truncate_flat`` and ``flat_with_vocab`` are the padded rows without padding.

The plain form is the padded matrix (``scatter_padded``, ``encode_with_vocab``
and, for the texts, ``encode_batch`` of ``tokenize``); the flat form must be
its rows ``X[i, :lengths[i]]`` concatenated, exactly, for both truncations and
for texts shorter and longer than ``seq_len``.
"""
import numpy as np
import pytest

from gluon_sentiment.data.corpus import encode_with_vocab, flat_with_vocab, tokenize_corpus
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.data.vocab import build_vocab, encode_batch, scatter_padded, truncate_flat

TEXTS = ['the plot was great', 'the actor was awful', '', "I didn't like it (at all)?!",
         "IT'S they've we'd y'all'll can't", 'nul\x00inside<br />tags<br/>here', '   ',
         'ünïcödé ☃ \ud800 lone surrogate', 'x' * 30 + ' ' + 'wordy ' * 60, '\u202eltr\u0301',
         'great great great awful', 'a,b!c(d)e?f`g\'h', '<b>bold</b> &amp; <i>it</i>']


def _rows(X, lengths):
    return np.concatenate([X[i, :n] for i, n in enumerate(lengths)] + [np.zeros(0, X.dtype)])


@pytest.mark.parametrize('truncate', ['post', 'pre'])
@pytest.mark.parametrize('seq_len', [1, 3, 8, 50])
def test_truncate_flat_is_the_padded_rows_without_padding(truncate, seq_len):
    rng = np.random.RandomState(0)
    lengths = np.array([0, 1, 3, 8, 9, 20, 2, 0, 50])
    flat = rng.randint(2, 1000, lengths.sum()).astype(np.int32)
    X = scatter_padded(flat, lengths, seq_len, 1, truncate)
    words, kept = truncate_flat(flat, lengths, seq_len, truncate)
    np.testing.assert_array_equal(kept, np.minimum(lengths, seq_len))
    np.testing.assert_array_equal(words, _rows(X, kept))
    assert words.dtype == np.int32 and kept.dtype == np.int32


def test_truncate_flat_of_nothing_and_bad_truncate():
    words, kept = truncate_flat(np.zeros(0, np.int32), np.zeros(0, np.int64), 5)
    assert words.shape == kept.shape == (0,)
    with pytest.raises(ValueError, match='truncate'):
        truncate_flat(np.zeros(2, np.int32), np.array([2]), 5, 'middle')
    with pytest.raises(ValueError, match='truncate'):
        truncate_flat(np.zeros(2, np.int32), np.array([2]), 1, 'middle')


@pytest.mark.parametrize('truncate', ['post', 'pre'])
@pytest.mark.parametrize('seq_len', [1, 7, 200])
def test_flat_with_vocab_equals_the_rows_of_encode_batch(truncate, seq_len):
    vocab = build_vocab([tokenize(t) for t in TEXTS[:5]], 12)
    X, lengths = encode_batch([tokenize(t) for t in TEXTS], vocab, seq_len, truncate)
    for source in (TEXTS, tokenize_corpus(TEXTS)):
        words, kept = flat_with_vocab(source, vocab, seq_len, truncate)
        np.testing.assert_array_equal(kept, lengths)
        np.testing.assert_array_equal(words, _rows(X, lengths))
    padded, _ = encode_with_vocab(TEXTS, vocab, seq_len, truncate)
    np.testing.assert_array_equal(scatter_padded(words, kept, seq_len, 1), padded)
