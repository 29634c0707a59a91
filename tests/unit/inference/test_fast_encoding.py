"""Prediction's numpy tokenization and shared tokens give what the plain per-text path gives.

The plain path tokenizes each text with ``tokenize``, encodes it with
``encode_batch`` and scores it alone (batch of one). The fast path
tokenizes all texts in numpy passes (``tokenize_corpus``), encodes them
with ``encode_with_vocab`` and scores length-sorted batches; an ensemble
tokenizes once for all members. Token ids are identical; probabilities
agree to 1e-6 (the same network on batches of other widths).
"""
import mxnet as mx
import numpy as np
import pytest

import gluon_sentiment as gs
from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment import train as train_cli
from gluon_sentiment.data.corpus import encode_with_vocab, tokenize_corpus
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.data.vocab import PAD, UNK, build_vocab, encode_batch
from gluon_sentiment.inference.batches import apply_temperature, predict_logits, softmax
from gluon_sentiment.inference.ensemble import EnsembleClassifier
from gluon_sentiment.inference.records import predict_records, vocabulary_coverage

FAST = ['--seq-len', '40', '--embed-size', '8', '--batch-size', '16', '--quiet', '--epochs', '1']

HOSTILE = ['the plot was great', 'the actor was awful', '', 'I didn\'t like it (at all)?!',
           "IT'S they've we'd y'all'll can't", 'nul\x00inside<br />tags<br/>here', '   ',
           'ünïcödé ☃ \ud800 lone surrogate', 'x' * 30 + ' ' + 'wordy ' * 60, '\u202eltr\u0301',
           'great great great awful', 'a,b!c(d)e?f`g\'h']


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    folder = write_review_folder(tmp_path_factory.mktemp('data') / 'reviews', *synthetic_reviews())
    out = {}
    for model in ('ngram', 'multikernel'):
        path = tmp_path_factory.mktemp(model)
        assert train_cli.main(['--data', folder, '--output-dir', str(path), '--model', model,
                               '--lr', '0.02'] + FAST) == 0
        out[model] = str(path)
    return out


@pytest.mark.parametrize('truncate', ['post', 'pre'])
@pytest.mark.parametrize('seq_len', [1, 7, 200])
def test_encode_with_vocab_equals_encode_batch_of_tokenize(truncate, seq_len):
    vocab = build_vocab([tokenize(t) for t in HOSTILE[:5]], 12)
    expected = encode_batch([tokenize(t) for t in HOSTILE], vocab, seq_len, truncate)
    for got in (encode_with_vocab(HOSTILE, vocab, seq_len, truncate),
                encode_with_vocab(tokenize_corpus(HOSTILE), vocab, seq_len, truncate)):
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])
        assert got[0].dtype == expected[0].dtype == np.int32


def test_one_tokenization_serves_several_vocabularies():
    tokens = tokenize_corpus(HOSTILE)
    for size in (3, 50):
        vocab = build_vocab([tokenize(t) for t in HOSTILE[::2]], size)
        np.testing.assert_array_equal(encode_with_vocab(tokens, vocab, 20)[0],
                                      encode_batch([tokenize(t) for t in HOSTILE], vocab, 20)[0])
    assert len(tokenize_corpus([])) == 0
    assert encode_with_vocab([], vocab, 5)[0].shape == (0, 5)


def _plain_proba(clf, text):
    X, lengths = encode_batch([tokenize(text)], clf.vocab, clf.seq_len, clf.truncate)
    margin = clf.length_margin
    logits = predict_logits(clf.net, X, clf.ctx, 1, None if margin is None else lengths,
                            margin or 0)
    return apply_temperature(softmax(logits.astype(np.float64)), clf.temperature)[0]


@pytest.mark.parametrize('model', ['ngram', 'multikernel'])
def test_classifier_equals_the_plain_per_text_path(runs, model):
    clf = gs.load_model(runs[model])
    texts = HOSTILE * 3
    np.testing.assert_array_equal(clf.encode(texts),
                                  encode_batch([tokenize(t) for t in texts], clf.vocab,
                                               clf.seq_len)[0])
    expected = np.stack([_plain_proba(clf, text) for text in texts])
    for batch_size in (1, 5, 1024):
        clf.batch_size = batch_size
        np.testing.assert_allclose(clf.predict_proba(texts), expected, rtol=0, atol=1e-6)


def test_ensemble_shares_one_tokenization(runs):
    members = [gs.load_model(runs['ngram']), gs.load_model(runs['multikernel'])]
    ensemble = EnsembleClassifier(members, [2, 1])
    expected = (2 * members[0].predict_proba(HOSTILE) + members[1].predict_proba(HOSTILE)) / 3
    np.testing.assert_allclose(ensemble.predict_proba(HOSTILE), expected, rtol=1e-12)
    np.testing.assert_allclose(ensemble.predict_proba_tokens(ensemble.tokenize(HOSTILE)),
                               expected, rtol=1e-12)

    class TextsOnly:
        def predict_proba(self, texts):
            return np.tile([0.25, 0.75], (len(texts), 1))
    mixed = EnsembleClassifier([members[0], TextsOnly()])
    np.testing.assert_allclose(mixed.predict_proba(HOSTILE),
                               (members[0].predict_proba(HOSTILE) + [0.25, 0.75]) / 2, rtol=1e-12)
    with pytest.raises(TypeError, match='reads texts, not tokens'):
        mixed.predict_proba_tokens(mixed.tokenize(HOSTILE))


def test_records_coverage_from_shared_tokens_equals_per_text(runs):
    clf = gs.load_model(runs['ngram'])
    records = predict_records(clf, HOSTILE)
    pad, unk = clf.vocab.token_to_idx[PAD], clf.vocab.token_to_idx[UNK]
    for text, record in zip(HOSTILE, records):
        X, _ = encode_batch([tokenize(text)], clf.vocab, clf.seq_len)
        read = int((X != pad).sum())
        assert record['known_tokens'] == read - int((X == unk).sum())
        np.testing.assert_allclose(record['probabilities']['positive'], _plain_proba(clf, text)[1],
                                   atol=1e-6)
    known, read = vocabulary_coverage(clf, HOSTILE)
    np.testing.assert_array_equal(known, [r['known_tokens'] for r in records])
    assert mx.cpu() in clf.ctx
