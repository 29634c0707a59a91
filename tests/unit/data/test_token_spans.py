"""token_spans: where each token of the tokenizer lies in the raw text."""
from hypothesis import given, settings
from hypothesis import strategies as st

from gluon_sentiment.data.text import token_spans, tokenize

PIECES = st.sampled_from(['Great', "didn't", "IT'S", '(', ')', '?', '!', ',', 'Café', '💥',
                          '<br />', '<BR>', '\\', '`x`', "'ll", ' ', '\t', '\n', 'ünï', '\ud800'])
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)


def _surfaces(text):
    return [text[start:end].lower() for start, end in token_spans(text)]


def _expected(text):
    return [token[1:] if token in ('\\(', '\\)', '\\?') else token for token in tokenize(text)]


def test_spans_of_contractions_brackets_and_breaks():
    text = "I didn't (REALLY) like it?<br />Café's GREAT!"
    assert [text[a:b] for a, b in token_spans(text)] == [
        'I', 'did', "n't", '(', 'REALLY', ')', 'like', 'it', '?', 'Caf', "'s", 'GREAT', '!']
    assert token_spans('💥 great') == [(2, 7)]  # code points, not UTF-8 bytes or UTF-16 units
    assert token_spans('') == [] and token_spans('<br /> üé') == []


@settings(max_examples=80, deadline=None)
@given(st.one_of(ANY_TEXT, st.lists(PIECES, max_size=30).map(''.join)))
def test_spans_cover_exactly_the_tokens_in_order(text):
    spans = token_spans(text)
    assert _surfaces(text) == _expected(text)
    assert all(a < b <= c for (a, b), (c, _) in zip(spans, spans[1:] + [(len(text), 0)]))
