"""10 MB single texts: encode_corpus's memory is bounded by seq_len, the kept tokens exact."""
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gluon_sentiment.data.clip import CHARS_PER_TOKEN, clip_text
from gluon_sentiment.data.corpus import encode_corpus
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.data.vocab import build_vocab, encode_batch

PIECES = ['good', 'bad', "don't", "it's", "we've", 'film', '<br />', '<br    />', '<BR>', 'Great!',
          '(really)', 'why?', ' ', '  ', 'café', '\x00', ',', "n't", "'", 'x' * 12, '日本']


def test_peak_memory_is_bounded_by_seq_len_not_the_text():
    text = ' '.join(['good film', "don't <br /> bad (plot)?"] * 250000)  # 8.5 MB each
    texts = [text] * 20
    tracemalloc.start()
    try:
        vocab, X, lengths = encode_corpus(texts, seq_len=400, truncate='pre')
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f'{peak / 1e6:.0f} MB for 20 texts of {len(text) / 1e6:.1f} MB'
    assert X.shape == (20, 400) and (lengths == 400).all()
    expected = tokenize(text)[-400:]
    assert [vocab.idx_to_token[i] for i in X[0]] == expected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=400), st.integers(1, 6),
       st.sampled_from(['post', 'pre']))
def test_kept_tokens_are_those_of_the_whole_text(pieces, seq_len, truncate):
    text = ''.join(pieces)
    piece = clip_text(text, seq_len, truncate)
    assert piece in text and len(piece) >= min(len(text), CHARS_PER_TOKEN * seq_len)
    whole, kept = tokenize(text), tokenize(piece)
    if truncate == 'post':
        assert kept[:seq_len] == whole[:seq_len]
    else:
        assert kept[-seq_len:] == whole[-seq_len:]


@pytest.mark.parametrize('truncate', ['post', 'pre'])
def test_matrix_equals_the_per_text_path_on_the_kept_part(truncate):
    rng = np.random.RandomState(0)
    texts = [' '.join(rng.choice(PIECES, n)) for n in (5, 40, 3000, 20000)]
    seq_len = 20
    vocab, X, lengths = encode_corpus(texts, seq_len=seq_len, truncate=truncate)
    clipped = [tokenize(clip_text(t, seq_len, truncate)) for t in texts]
    assert len(clip_text(texts[-1], seq_len, truncate)) < len(texts[-1])  # the long ones are cut
    assert vocab.idx_to_token == build_vocab(clipped, 5000).idx_to_token
    expected, _ = encode_batch(clipped, vocab, seq_len, truncate)
    np.testing.assert_array_equal(X, expected)
    full = [tokenize(t) for t in texts]
    cut = (lambda t: t[:seq_len]) if truncate == 'post' else (lambda t: t[-seq_len:])
    assert [[vocab.idx_to_token[i] for i in row[:n]] for row, n in zip(X, lengths)] == \
        [[w if w in vocab.token_to_idx else '<unk>' for w in cut(t)] for t in full]
