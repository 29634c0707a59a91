"""Property-based test (hypothesis): any text gets valid probabilities."""
from hypothesis import given, settings
from hypothesis import strategies as st
import mxnet as mx
import numpy as np

from gluon_sentiment.data.text import tokenize
from gluon_sentiment.data.vocab import build_vocab
from gluon_sentiment.inference.classifier import SentimentClassifier
from gluon_sentiment.model import get_model


# any code point, lone surrogates included (they cannot come from a decoded file, but can
# from a Python caller)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)


WORDS = ['the', 'movie', 'was', 'great', 'awful', "don't", 'it', "it's", 'a', 'film', '10',
         'loved', '!', ',', '?', '(', ')', 'plot']


# upper-case contractions stay one token (Kim's quirk), so both spellings are known words
VOCAB = build_vocab([tokenize(' '.join(WORDS)), tokenize(' '.join(WORDS).upper())])


def _classifier(model):
    net = get_model(model, vocab_size=len(VOCAB), embed_size=8, seq_len=12)
    net.initialize(mx.init.Xavier())
    return SentimentClassifier(net, VOCAB, seq_len=12)


CLASSIFIERS = {name: _classifier(name) for name in ('multikernel', 'dense')}


@settings(max_examples=30, deadline=None)
@given(st.lists(ANY_TEXT, min_size=1, max_size=5), st.sampled_from(sorted(CLASSIFIERS)))
def test_any_text_gets_valid_probabilities(texts, model):
    probs = CLASSIFIERS[model].predict_proba(texts)
    assert probs.shape == (len(texts), 2) and np.isfinite(probs).all()
    assert ((0 <= probs) & (probs <= 1)).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
