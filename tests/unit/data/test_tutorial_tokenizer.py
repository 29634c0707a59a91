"""The tutorial's 17-pass tokenizer: per text and in the vectorized corpus path, exact to its rules.

The reference, :func:`clean_str_tutorial_reference`, is one ``re.sub`` per
rule of the tutorial's listing; the hand-written cases below say what each
rule does, so that the reference is checked too.
"""
import random

from hypothesis import given, settings
from hypothesis import strategies as st
import numpy as np
import pytest

from gluon_sentiment.data.corpus import corpus_token_ids, encode_corpus
from gluon_sentiment.data.text import (TOKENIZER_RULES, TOKENIZERS, clean_str,
                                       clean_str_reference, clean_str_tutorial_reference,
                                       strip_html_breaks, tokenize)
from gluon_sentiment.data.vocab import build_vocab, encode_batch

EXAMPLES = settings(max_examples=150, deadline=None)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)
# the characters the rules treat specially, to hit their interactions often
RULE_TEXT = st.lists(st.sampled_from(list("'`nNtTsSvVeErRdDlLx ,!()?[]\\\t\n\x00é-.:")
                                     + ['<br />', '<br>', "n't", "'s", "'ve", "'ll", 'don', 'ab']),
                     max_size=40).map(''.join)

# (text, the tutorial's tokens): one or more rules each
CASES = [
    ('Hello World', ['hello', 'world']),  # lower-case
    ('café #1: naïve—ok', ['caf', '1', 'na', 've', 'ok']),  # (1) others -> space
    ("it's", ['it', 's']),  # (2) then (15): 's ends as s
    ("we've", ['we', 've']),  # (3)
    ("don't", ['do', 'n', 't']),  # (4) then (15): n't ends as n t
    ("you're", ['you', 're']),  # (5)
    ("he'd", ['he', 'd']),  # (6)
    ("they'll", ['they', 'll']),  # (7)
    ("DON'T IT'S", ['don', 't', 'it', 's']),  # (4) is lower-case only; (15) splits anyway
    ('a,b , c', ['a', 'b', 'c']),  # (8), (14): commas deleted
    ('wow!great!!', ['wow', '!', 'great', '!', '!']),  # (9)
    ('(a)b(c)', ['a', 'b', 'c']),  # (10), (11): brackets deleted
    ('why?no??', ['why', '\\?', 'no', '\\?', '\\?']),  # (12): the token \?
    ('[x] {y}', ['x', 'y']),  # (1) already removed [ ] and braces; (16), (17)
    ("``quoted''", ['``quoted']),  # backticks are kept, apostrophes deleted
    ("n't'n't", ['n', 't', 'n', 't']),
    ("won't've", ['wo', 'n', 't', 've']),
    ("'n't", ['n', 't']),
    ('a \\ b', ['a', 'b']),
    ('', []),
    ('   \t\n ', []),
    ('!?', ['!', '\\?']),
]


@pytest.mark.parametrize('text, expected', CASES)
def test_hand_written_cases(text, expected):
    assert clean_str_tutorial_reference(text).split() == expected
    assert tokenize(text, 'tutorial') == expected
    assert clean_str(text, 'tutorial') == ' '.join(expected)


def test_breaks_are_removed_for_both_tokenizers():
    text = 'first<br />second<BR>third<br/>'
    assert tokenize(text, 'tutorial') == ['first', 'second', 'third']
    assert tokenize(text, 'kim') == ['first', 'second', 'third']
    # the chains alone would keep a token 'br' for each tag
    assert clean_str_tutorial_reference(text).split().count('br') == 3
    assert clean_str_reference(text).split().count('br') == 3


def test_kim_stays_the_default():
    text = "Don't (really), it's?"
    assert tokenize(text) == tokenize(text, 'kim') == clean_str_reference(text).split()
    assert tokenize(text) != tokenize(text, 'tutorial')


def test_unknown_tokenizer():
    with pytest.raises(ValueError, match='kim, tutorial'):
        tokenize('text', 'spacy')
    with pytest.raises(ValueError, match='kim, tutorial'):
        corpus_token_ids(['text'], 'spacy')


def test_every_tokenizer_is_described():
    assert set(TOKENIZER_RULES) == set(TOKENIZERS) == {'kim', 'tutorial'}


@EXAMPLES
@given(st.one_of(ANY_TEXT, RULE_TEXT))
def test_matches_the_seventeen_passes(text):
    tokens = tokenize(text, 'tutorial')
    assert tokens == clean_str_tutorial_reference(strip_html_breaks(text)).split()
    assert all(token and token.isascii() and not any(c.isspace() for c in token)
               for token in tokens)


def per_text(texts, vocab_rows, max_size, seq_len, truncate):
    tokens = [tokenize(text, 'tutorial') for text in texts]
    rows = range(len(texts)) if vocab_rows is None else vocab_rows
    vocab = build_vocab([tokens[i] for i in rows], max_size)
    return (vocab,) + encode_batch(tokens, vocab, seq_len, truncate)


def assert_corpus_matches(texts, vocab_rows=None, max_size=5000, seq_len=12, truncate='post'):
    ids, lengths, tokens = corpus_token_ids(texts, 'tutorial')
    reference = [clean_str_tutorial_reference(strip_html_breaks(t)).split() for t in texts]
    assert lengths.tolist() == [len(t) for t in reference]
    assert [tokens[i] for i in ids.tolist()] == [t for text in reference for t in text]
    vocab, X, valid = encode_corpus(texts, vocab_rows, max_size, seq_len, truncate, 'tutorial')
    ref_vocab, ref_X, ref_valid = per_text(texts, vocab_rows, max_size, seq_len, truncate)
    assert vocab.idx_to_token == ref_vocab.idx_to_token
    np.testing.assert_array_equal(X, ref_X)
    np.testing.assert_array_equal(valid, ref_valid)


def test_corpus_hand_written_cases():
    assert_corpus_matches([text for text, _ in CASES] + ['\x00a,b', "x\x00n't"])


@pytest.mark.parametrize('truncate', ['post', 'pre'])
def test_corpus_random_texts(truncate):
    rng = random.Random(1)
    alphabet = (["'", 'n', 't', 's', 'v', 'e', 'r', 'd', 'l', 'S', 'N', 'T', ' ', ' ', 'x', '!',
                 '(', ')', '?', ',', '[', '\x00', 'é', '<br />', '<br', '/>', '\n', '`']
                + ['abcdefgh', 'abcdefghijklmnop', 'Z9'])
    texts = [''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
             for _ in range(400)]
    for max_size in (3, 30):
        assert_corpus_matches(texts, list(range(0, 400, 3)), max_size, 10, truncate)


@EXAMPLES
@given(st.lists(st.one_of(ANY_TEXT, RULE_TEXT), max_size=6))
def test_corpus_matches_the_seventeen_passes(texts):
    assert_corpus_matches(texts)
