"""Explanations of the bag-of-n-gram models: exact terms, the same for the folded table, K classes."""
import gluonnlp as nlp
import mxnet as mx
import numpy as np
import pytest

import gluon_sentiment as gs
from compress_fixtures import ngram_run  # noqa: F401
from gluon_sentiment.analysis.explain import explain, explain_ngrams
from gluon_sentiment.inference import SentimentClassifier
from gluon_sentiment.model import fold_ngram, get_model


def _total(result):
    return sum(item['score'] for item in result['top']) + result['bias']


def test_terms_add_up_to_the_margin_and_name_their_words(ngram_run):
    clf = gs.load_model(ngram_run)
    texts = ['the film was great but the plot was dull', 'superb', '', 'zzz unknown words']
    logits = clf.net(mx.nd.array(clf.encode(texts))).asnumpy()  # padding changes nothing
    for text, z in zip(texts, logits):
        result = explain(clf, text, top_k=10 ** 6)[0]
        assert result['method'] == 'bag of n-grams'
        assert result['margin'] == pytest.approx(z[1] - z[0], abs=1e-4)
        assert _total(result) == pytest.approx(result['margin'], abs=1e-4)
        words = text.split()
        assert len(result['top']) == sum(max(0, len(words) - n + 1) for n in (1, 2, 3))
        for item in result['top']:
            assert item['ngram'] == ' '.join(words[item['start']:][:item['width']])
    best = explain(clf, 'the plot was superb', top_k=1)[0]['top'][0]
    assert best['score'] > 0 and 'superb' in best['ngram']


def test_the_folded_table_explains_alike(ngram_run):
    clf = gs.load_model(ngram_run, fold=False)  # the trained NgramNet
    folded = SentimentClassifier(fold_ngram(clf.net), clf.vocab, clf.seq_len)
    text = 'a dull and boring movie with one great scene'
    plain, table = explain_ngrams(clf, text, 100), explain_ngrams(folded, text, 100)
    assert table['margin'] == pytest.approx(plain['margin'], abs=1e-4)
    assert [(i['start'], i['width']) for i in table['top']][:5] == \
        [(i['start'], i['width']) for i in plain['top']][:5]
    np.testing.assert_allclose([i['score'] for i in table['top']],
                               [i['score'] for i in plain['top']], atol=1e-4)


def test_three_classes_explain_the_predicted_class():
    vocab = nlp.Vocab(nlp.data.count_tokens('good bad fine movie plot'.split()))
    net = get_model('ngram', vocab_size=len(vocab), embed_size=4, num_buckets=31, num_classes=3)
    net.initialize(mx.init.Xavier())
    net.nb_weight.weight.set_data(mx.nd.array(np.random.RandomState(0).randn(len(vocab) + 31, 1)))
    clf = SentimentClassifier(net, vocab, 20)
    clf.class_names = ('neg', 'neutral', 'pos')
    result = explain(clf, 'good movie bad plot', top_k=100)[0]
    target = int(clf.predict_proba(['good movie bad plot'])[0].argmax())
    assert result['class'] == clf.class_names[target]
    logits = net(mx.nd.array(clf.encode(['good movie bad plot'])[:, :5])).asnumpy()[0]
    margin = logits[target] - np.delete(logits, target).mean()
    assert result['margin'] == pytest.approx(margin, abs=1e-5)
    assert _total(result) == pytest.approx(margin, abs=1e-5)
