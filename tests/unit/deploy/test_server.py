"""The HTTP server in process with TestClient."""
import json

from fastapi.testclient import TestClient
import pytest

from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment.deploy.server import create_app


GOOD = {'texts': ['great wonderful excellent', 'awful boring terrible']}


BAD = [  # (body, content type, expected status, words in the message)
    (b'{"texts": [', 'application/json', 400, 'not valid JSON'),
    (b'not json at all', 'application/json', 400, 'not valid JSON'),
    (b'{"texts": "one string"}', 'application/json', 422, 'texts'),
    (b'{"texts": [1, 2]}', 'application/json', 422, 'texts.0'),
    (b'{"text": ["a"]}', 'application/json', 422, 'texts'),
    (b'["a"]', 'application/json', 422, 'texts'),
    (b'{"texts": ["a"], "top_k": 0}', 'application/json', 422, 'top_k'),
    (json.dumps({'texts': ['a'] * 4}).encode(), 'application/json', 413, 'at most 3'),
    (json.dumps({'texts': ['x' * 101]}).encode(), 'application/json', 413, 'at most 100'),
]


@pytest.fixture(scope='module')
def client(multikernel_bundle):
    return TestClient(create_app(gs.load_model(multikernel_bundle), max_texts=3, max_chars=100))


def test_health(client, multikernel_bundle):
    assert client.get('/health').json() == {
        'status': 'ok', 'model': 'multikernel', 'seq_len': 40,
        'vocab_size': len(gs.load_model(multikernel_bundle).vocab)}


def test_predict_matches_the_library(client, multikernel_bundle):
    answer = client.post('/predict', json=GOOD)
    assert answer.status_code == 200
    predictions = answer.json()['predictions']
    probs = gs.load_model(multikernel_bundle).predict_proba(GOOD['texts'])
    assert [p['label'] for p in predictions] == ['positive', 'negative']
    for p, expected in zip(predictions, probs):
        assert p['probabilities']['negative'] == pytest.approx(expected[0], abs=1e-12)
        assert 'explanation' not in p


def test_explain_in_the_api(client):
    answer = client.post('/predict', json={'texts': ['the plot was superb'], 'explain': True,
                                           'top_k': 2})
    explanation = answer.json()['predictions'][0]['explanation']
    assert explanation['method'] == 'max-pool n-grams' and len(explanation['top']) == 2


@pytest.mark.parametrize('body, content_type, status, words', BAD)
def test_bad_requests_get_4xx_then_good_ones_are_served(client, body, content_type, status,
                                                        words):
    answer = client.post('/predict', content=body, headers={'content-type': content_type})
    assert answer.status_code == status
    assert words in answer.json()['detail']
    assert client.post('/predict', json=GOOD).status_code == 200
