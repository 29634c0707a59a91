"""The browser page of serve (GET /) and its POST /highlight, without a browser."""
import base64
import hashlib
import re

from fastapi.testclient import TestClient
import pytest

from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.deploy.page import highlight_segments, page_html
from gluon_sentiment.deploy.server import create_app

TEXT = 'The plot was <b>dull</b>, but the actors were WONDERFUL and great!'


@pytest.fixture(scope='module')
def client(multikernel_bundle):
    return TestClient(create_app(gs.load_model(multikernel_bundle), max_chars=200))


def test_page_has_its_elements_and_nothing_from_elsewhere(client):
    answer = client.get('/')
    assert answer.status_code == 200 and answer.headers['content-type'].startswith('text/html')
    html = answer.text
    for element in ('<textarea id="text"', '<button id="submit"', 'id="label"',
                    'id="probabilities"', 'id="highlighted"', 'id="token" type="password"'):
        assert element in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, no other host
    assert not re.search(r'innerHTML|outerHTML|insertAdjacentHTML|document\.write', html)


def test_csp_allows_exactly_the_inline_script_and_style(client):
    policy = client.get('/').headers['content-security-policy']
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    for tag in ('script', 'style'):
        (body,) = re.findall(rf'<{tag}>(.*?)</{tag}>', page_html(), re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy


def test_highlight_matches_predict_and_cuts_the_raw_text(client):
    answer = client.post('/highlight', json={'text': TEXT, 'top_k': 3}).json()
    same = client.post('/predict', json={'texts': [TEXT], 'explain': True, 'top_k': 3}).json()
    assert answer['prediction'] == same['predictions'][0]
    assert answer['model'] == 'multikernel' and answer['note'] is None
    segments = answer['segments']
    assert ''.join(s['text'] for s in segments) == TEXT
    marked = [s for s in segments if s['score'] is not None]
    assert marked and len(marked) <= 3 * 4  # an n-gram is one run unless a stronger one splits it
    top = {(item['ngram'], item['score']) for item in answer['prediction']['explanation']['top']}
    for segment in marked:
        assert (segment['ngram'], segment['score']) in top
        words = tokenize(segment['text'])
        assert words and ' '.join(words) in segment['ngram']  # the words the n-gram names


def test_highlight_refuses_bad_bodies(client):
    long = client.post('/highlight', json={'text': 'x' * 201})
    assert long.status_code == 413 and 'at most 200' in long.json()['detail']
    wrong = client.post('/highlight', json={'texts': ['a']})
    assert wrong.status_code == 422 and '"text": str' in wrong.json()['detail']


def test_page_is_public_but_highlight_needs_the_token(multikernel_bundle):
    locked = TestClient(create_app(gs.load_model(multikernel_bundle), api_key='s3cret'))
    assert locked.get('/').status_code == 200
    assert locked.post('/highlight', json={'text': 'great'}).status_code == 401
    assert locked.get('/docs').status_code == 401
    good = locked.post('/highlight', json={'text': 'great'},
                       headers={'Authorization': 'Bearer s3cret'})
    assert good.status_code == 200 and good.json()['prediction']['label'] in ('positive',
                                                                           'negative')


def _explained(*items):
    return {'top': [{'ngram': n, 'start': s, 'width': w, 'score': c} for n, s, w, c in items]}


def test_overlapping_ngrams_go_to_the_stronger_one():
    text = 'a great fun film'
    segments = highlight_segments(text, _explained(('a great', 0, 2, 0.5),
                                                   ('great fun', 1, 2, -2.0)), seq_len=10)
    assert [(s['text'], s['score']) for s in segments] == [
        ('a', 0.5), (' ', None), ('great fun', -2.0), (' film', None)]


@pytest.mark.parametrize('truncate, expected', [
    ('post', [('It', 1.0), (" wasn't", None), (' dull at all', None)]),
    ('pre', [("It wasn't ", None), ('dull', 1.0), (' at all', None)]),
])
def test_text_beyond_seq_len_is_marked_unread(truncate, expected):
    segments = highlight_segments("It wasn't dull at all", _explained(('x', 0, 1, 1.0)), 3,
                                  truncate)
    assert [(s['text'], s['score']) for s in segments] == expected
    read = [s['read'] for s in segments]
    assert read == ([True, True, False] if truncate == 'post' else [False, True, True])
