"""The tokenizer reproduces Kim's clean_str exactly."""
import random

import pytest

from gluon_sentiment.data.text import clean_str, clean_str_reference, strip_html_breaks, tokenize

TRICKY = [
    "don't", "it's", "I'll", "they'll", "we've", "you're", "he'd", "DON'T", "IT'S",
    "Wow!", "Really?!", "(brackets) and [square] {curly}", "a,b,,c", "10/10, 7.5 stars",
    "UPPER case Mixed", "café naïve 日本語", "emoji 😀 here", "tabs\tand\nnewlines",
    "`back`ticks' 'quotes'", "n't'd'll's", "", "   ", "!!!", "won't can't shouldn't",
    "The movie's ending (spoiler!) wasn't great, wasn't it?",
]


@pytest.mark.parametrize('text', TRICKY)
def test_matches_kims_clean_str(text):
    assert clean_str(text) == clean_str_reference(text)
    assert tokenize(text) == clean_str_reference(text).split()


def test_known_tokens():
    assert tokenize("Don't panic, it's (only) 10 o'clock?!") == [
        'do', "n't", 'panic', ',', "it", "'s", '\\(', 'only', '\\)', '10', "o'clock", '\\?', '!']


def test_upper_case_contractions_stay_whole():
    # Kim lower-cases last, so his contraction rules never see "'S".
    assert tokenize("IT'S") == ["it's"]


def test_br_tags_removed():
    assert strip_html_breaks('a<br />b<br/>c<BR>d') == 'a b c d'
    assert tokenize('good<br /><br />bad') == ['good', 'bad']


def test_non_ascii_dropped_and_empty():
    assert tokenize('日本語 😀') == []
    assert tokenize('') == []


def test_random_apostrophe_soup_matches_kims_clean_str():
    # contractions next to each other, doubled apostrophes, upper case, n't at the edges
    rng = random.Random(0)
    alphabet = ["'", "n", "t", "s", "v", "e", "r", "d", "l", "S", "N", "T", " ", "x", "!"]
    for _ in range(3000):
        text = ''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert tokenize(text) == clean_str_reference(text).split(), text
