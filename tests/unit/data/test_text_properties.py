"""Property-based tests (hypothesis) of tokenizing, encoding and padding."""
from hypothesis import given, settings
from hypothesis import strategies as st
import numpy as np

from gluon_sentiment.data.text import clean_str_reference, strip_html_breaks, tokenize
from gluon_sentiment.data.vocab import PAD, build_vocab, decode, encode_batch


EXAMPLES = settings(max_examples=60, deadline=None)


# any code point, lone surrogates included (they cannot come from a decoded file, but can
# from a Python caller)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)


WORDS = ['the', 'movie', 'was', 'great', 'awful', "don't", 'it', "it's", 'a', 'film', '10',
         'loved', '!', ',', '?', '(', ')', 'plot']


# upper-case contractions stay one token (Kim's quirk), so both spellings are known words
VOCAB = build_vocab([tokenize(' '.join(WORDS)), tokenize(' '.join(WORDS).upper())])


SEPARATORS = st.sampled_from([' ', '  ', '\t', '\n', ' <br /> '])


@EXAMPLES
@given(ANY_TEXT)
def test_tokenizer_never_crashes_and_matches_kim(text):
    tokens = tokenize(text)
    assert all(token and token.isascii() and not any(c.isspace() for c in token)
               for token in tokens)
    assert tokens == clean_str_reference(strip_html_breaks(text)).split()


@EXAMPLES
@given(st.lists(ANY_TEXT, max_size=8), st.integers(1, 50), st.sampled_from(['pre', 'post']))
def test_encoded_lengths_are_always_seq_len(texts, seq_len, truncate):
    X, lengths = encode_batch((tokenize(t) for t in texts), VOCAB, seq_len, truncate)
    assert X.shape == (len(texts), seq_len) and X.dtype == np.int32
    assert ((0 <= X) & (X < len(VOCAB))).all()
    assert ((0 <= lengths) & (lengths <= seq_len)).all()
    pad = VOCAB.token_to_idx[PAD]
    for row, n in zip(X, lengths):
        assert (row[n:] == pad).all() and (row[:n] != pad).all()


@EXAMPLES
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.booleans(), SEPARATORS), max_size=40),
       st.integers(1, 60), st.sampled_from(['pre', 'post']))
def test_known_words_round_trip(parts, seq_len, truncate):
    text = ''.join((word.upper() if upper else word) + sep for word, upper, sep in parts)
    tokens = tokenize(text)
    assert all(token in VOCAB.token_to_idx for token in tokens)
    X, lengths = encode_batch([tokens], VOCAB, seq_len, truncate)
    kept = tokens[:seq_len] if truncate == 'post' else tokens[max(0, len(tokens) - seq_len):]
    assert decode(X[0], VOCAB) == kept and lengths[0] == len(kept)
