"""Explanations: token attributions of the max-pool and gradient-times-input explainers."""
import numpy as np
import pytest

from conftest import NEUTRAL
from deploy_fixtures import deploy_root, fixed_length_run, multikernel_bundle, multikernel_run  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment.analysis.explain import explain, explain_max_pool
from gluon_sentiment.errors import ConfigError


def test_explain_ranks_a_positive_phrase_above_neutral_ones(multikernel_run):
    clf = gs.load_model(multikernel_run)
    filler = ' '.join(NEUTRAL)
    text = f'{filler} {filler} excellent superb {filler}'
    result = explain(clf, text, top_k=3)[0]
    assert result['method'] == 'max-pool n-grams'
    best = result['top'][0]
    assert best['score'] > 0 and {'excellent', 'superb'} & set(best['ngram'].split())
    full = explain_max_pool(clf, text, top_k=10 ** 6)
    neutral = [item['score'] for item in full['top']
               if not {'excellent', 'superb'} & set(item['ngram'].split())]
    assert neutral and best['score'] > max(neutral)


def test_max_pool_explanation_adds_up_to_the_margin(multikernel_run):
    clf = gs.load_model(multikernel_run)
    texts = ['the film was great but the plot was dull', 'x', '']
    probs = clf.predict_proba(texts)
    for text, p in zip(texts, probs):
        result = explain_max_pool(clf, text, top_k=10 ** 6)
        # the margin is the logits', the probabilities are calibrated by the run's temperature
        assert result['margin'] == pytest.approx(np.log(p[1] / p[0]) * clf.temperature, abs=1e-5)
        total = sum(item['score'] for item in result['top']) + result['bias']
        assert total == pytest.approx(result['margin'], abs=1e-5)
        for item in result['top']:
            assert item['ngram'] == ' '.join(text.split()[item['start']:][:item['width']])


def test_gradient_input_for_fixed_length_models(fixed_length_run):
    clf = gs.load_model(fixed_length_run)
    text = 'the plot was great and wonderful'
    result = explain(clf, [text], top_k=4)[0]
    assert result['method'] == 'gradient x input' and len(result['top']) == 4
    assert all(item['width'] == 1 and item['ngram'] in text.split() for item in result['top'])
    scores = [abs(item['score']) for item in result['top']]
    assert scores == sorted(scores, reverse=True)
    p = clf.predict_proba([text])[0]
    # the margin is the logits'; the probabilities are calibrated by the run's temperature and,
    # for conv's default, a bias per class
    shift = 0.0 if clf.bias is None else clf.bias[1] - clf.bias[0]
    assert result['margin'] == pytest.approx((np.log(p[1] / p[0]) - shift) * clf.temperature,
                                             abs=1e-5)


def test_explain_needs_the_gluon_model(multikernel_bundle):
    with pytest.raises(ConfigError, match='symbolic=True'):
        explain(gs.load_model(multikernel_bundle, symbolic=True), 'great')
