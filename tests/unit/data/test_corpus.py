"""encode_corpus gives exactly what tokenize + build_vocab + encode_batch give."""
import random

import numpy as np
import pytest

from gluon_sentiment.data.corpus import _group, corpus_token_ids, encode_corpus
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.data.vocab import build_vocab, encode_batch

# 'beta' and 'gamma' tie at 3 right at a cut of 2 or 3 words, 'alpha' wins at 4;
# tokens longer than 8 bytes share prefixes with each other and with 8-byte tokens
TEXTS = [
    "Alpha beta gamma! alpha, BETA (gamma) don't it's",
    "alpha gamma? beta alpha <br />we've they'll you're he'd IT'S DON'T",
    "",
    "   !!! ",
    "abcdefgh abcdefghij abcdefghijk abcdefghij extraordinarily extraordinarily1",
    "café naïve 日本語 emoji 😀 unknownword zebra zebra",
    "n't'd'll's ''s 'n't won't `back`ticks' 10/10, 7.5",
    "<BR/>line<br>break<br />x " + "word " * 20,
]


def old_path(texts, vocab_rows, max_size, seq_len, truncate):
    tokens = [tokenize(text) for text in texts]
    rows = range(len(texts)) if vocab_rows is None else vocab_rows
    vocab = build_vocab([tokens[i] for i in rows], max_size)
    return (vocab,) + encode_batch(tokens, vocab, seq_len, truncate)


def assert_same(texts, vocab_rows=None, max_size=5000, seq_len=12, truncate='post'):
    vocab, X, lengths = encode_corpus(texts, vocab_rows, max_size, seq_len, truncate)
    ref_vocab, ref_X, ref_lengths = old_path(texts, vocab_rows, max_size, seq_len, truncate)
    assert vocab.idx_to_token == ref_vocab.idx_to_token
    assert vocab.token_to_idx == ref_vocab.token_to_idx
    np.testing.assert_array_equal(X, ref_X)
    np.testing.assert_array_equal(lengths, ref_lengths)
    assert X.dtype == np.int32 and lengths.dtype == np.int32
    return vocab, X, lengths


def test_tokens_are_tokenizes():
    ids, lengths, tokens = corpus_token_ids(TEXTS)
    expected = [tokenize(text) for text in TEXTS]
    assert lengths.tolist() == [len(t) for t in expected]
    assert [tokens[i] for i in ids.tolist()] == [t for text in expected for t in text]
    assert len(set(tokens)) == len(tokens)
    assert '\\(' in tokens and '\\?' in tokens and "n't" in tokens


@pytest.mark.parametrize('truncate', ['post', 'pre'])
@pytest.mark.parametrize('max_size', [1, 2, 3, 5, 40, 0])
def test_same_vocab_matrix_and_lengths(truncate, max_size):
    vocab, X, lengths = assert_same(TEXTS, None, max_size, 7, truncate)
    assert 0 in lengths.tolist() and 7 in lengths.tolist()  # empty texts and cut texts


def test_ties_at_the_cut_are_alphabetical():
    vocab, _, _ = assert_same(['b a c b a c d d d'], max_size=2)
    assert vocab.idx_to_token[2:] == ['d', 'a']


@pytest.mark.parametrize('truncate', ['post', 'pre'])
def test_vocabulary_counts_only_the_given_rows(truncate):
    rows = np.array([0, 4, 4, 6])  # a row given twice counts twice
    vocab, X, _ = assert_same(TEXTS, rows, 6, 9, truncate)
    assert 'zebra' not in vocab.token_to_idx  # only in an uncounted row: encoded as <unk>
    assert X[5].tolist().count(vocab.token_to_idx['<unk>']) > 0


def test_text_holding_the_separator_falls_back():
    texts = ["a\x00b <br\x00> c", "<br\x00/>d", "e<br />\x00f", "\x00"]
    assert_same(texts)
    assert corpus_token_ids(texts)[1].tolist() == [len(tokenize(t)) for t in texts]


def test_tags_and_contractions_do_not_join_across_texts():
    texts = ["ends with <br", " /> starts", "don", "'t", "it", "'s", "n", "'t"]
    assert_same(texts)


def test_no_texts_and_only_empty_texts():
    vocab, X, lengths = encode_corpus([], None, 10, 4)
    assert X.shape == (0, 4) and lengths.shape == (0,) and len(vocab) == 2
    assert_same(['', ' ', '...'], seq_len=3)


def test_random_texts():
    rng = random.Random(0)
    alphabet = (["'", "n", "t", "s", "v", "e", "r", "d", "l", "S", "N", "T", " ", " ", "x", "!",
                 "(", "?", ",", "\x00", "é", "<br />", "<br", "/>", "\n", "`"]
                + ["abcdefgh", "abcdefghijklmnop", "Z9"])
    texts = [''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
             for _ in range(400)]
    for max_size in (3, 30):
        for truncate in ('post', 'pre'):
            assert_same(texts, list(range(0, 400, 3)), max_size, 10, truncate)


def test_tokens_of_every_length_sharing_prefixes():
    # keys of 8 bytes, pairs of keys for 9 to 16 bytes, a dict beyond: prefixes, 8-byte halves
    # and case shared across the three, at the end of a text and of the corpus
    rng = random.Random(1)
    stems = ['abcdefgh', 'ABCDEFGH', 'abcdefghabcdefgh', 'xyz']
    words = [(rng.choice(stems) * 3)[:rng.randint(1, 40)] + rng.choice(['', 's', "'s", '!'])
             for _ in range(300)]
    texts = [' '.join(rng.sample(words, rng.randint(0, 12))) for _ in range(60)] + [words[-1]]
    ids, lengths, tokens = corpus_token_ids(texts)
    expected = [tokenize(text) for text in texts]
    assert [tokens[i] for i in ids.tolist()] == [t for text in expected for t in text]
    assert lengths.tolist() == [len(t) for t in expected] and len(set(tokens)) == len(tokens)
    assert {len(t) for t in tokens} >= {1, 8, 9, 16, 17, 40}


def test_group_numbers_keys_and_grows_its_table():
    keys = np.random.RandomState(0).randint(1, 300, size=5000).astype(np.uint64) << np.uint64(40)
    distinct, ids = _group(keys, bits=2)  # far too small at first: it must grow
    np.testing.assert_array_equal(distinct[ids], keys)
    assert sorted(distinct.tolist()) == np.unique(keys).tolist()


def test_bad_truncate():
    with pytest.raises(ValueError, match='truncate'):
        encode_corpus(['a'], truncate='middle')
