"""The server's trust boundary and hostile text: body cap, bearer token, lone surrogates, fuzzed bodies."""
import asyncio
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gluon_sentiment as gs
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
from gluon_sentiment import serve
from gluon_sentiment.deploy.guard import RequestGuard
from gluon_sentiment.deploy.server import create_app

TOKEN = 's3cret-token'
HOSTILE = ['\ud800 lone surrogate', 'nul\x00byte', 'ctrl\x01\x1b[31m\x7f', 'שלום עולם good',
           'e\u0301\u0301\u0301 combining', '😀🎬 great 👍', '\u2028\u2029\x85', '',
           'Фильм ужасный', '电影很好']


@pytest.fixture(scope='module')
def clf(multikernel_bundle):
    return gs.load_model(multikernel_bundle)


@pytest.fixture(scope='module')
def client(clf):
    return TestClient(create_app(clf, max_texts=20, max_chars=1000, max_body_bytes=4000))


@pytest.fixture(scope='module')
def locked(clf):
    return TestClient(create_app(clf, api_key=TOKEN))


def _post(client, body: bytes, **headers):
    return client.post('/predict', content=body,
                       headers={'content-type': 'application/json', **headers})


def test_hostile_texts_get_200_and_valid_utf8(client):
    body = json.dumps({'texts': HOSTILE, 'explain': True}).encode()  # "\ud800" stays an escape
    answer = _post(client, body)
    assert answer.status_code == 200
    answer.content.decode('utf-8')  # strict: no surrogate got through
    records = answer.json()['predictions']
    assert records[0]['text'] == '\ufffd lone surrogate'
    assert [r['text'] for r in records[1:]] == HOSTILE[1:]
    by_text = {r['text']: r for r in records}
    for unread in ('Фильм ужасный', '电影很好', ''):
        assert by_text[unread]['unreadable'] and by_text[unread]['coverage'] == 0.0
    assert all('explanation' in r for r in records)


def test_body_over_the_cap_gets_413_by_content_length_and_by_bytes(client):
    big = json.dumps({'texts': ['word ' * 900]}).encode()
    assert len(big) > 4000
    answer = _post(client, big)
    assert answer.status_code == 413 and 'at most 4000 bytes' in answer.json()['detail']

    def chunks():  # no Content-Length: chunked transfer, counted as it arrives
        for _ in range(10):
            yield b' ' * 1000
    answer = client.post('/predict', content=chunks(),
                         headers={'content-type': 'application/json'})
    assert answer.status_code == 413 and 'detail' in answer.json()
    assert _post(client, b'{"texts": ["fine"]}').status_code == 200


@pytest.mark.parametrize('length', ['abc', '-5', '1e3'])
def test_a_bad_content_length_gets_400(clf, length):
    scope_answers = []

    async def app(scope, receive, send):  # never reached
        scope_answers.append(scope)

    async def receive():
        return {'type': 'http.request', 'body': b'{}', 'more_body': False}

    sent = []

    async def send(message):
        sent.append(message)
    scope = {'type': 'http', 'method': 'POST', 'path': '/predict',
             'headers': [(b'content-length', length.encode())]}
    asyncio.run(RequestGuard(app, 100)(scope, receive, send))
    assert sent[0]['status'] == 400 and not scope_answers
    assert b'Content-Length' in sent[1]['body']


def test_a_lying_content_length_is_capped_by_the_bytes_read(clf):
    received = []

    async def app(scope, receive, send):
        received.append(await receive())

    messages = [{'type': 'http.request', 'body': b'x' * 60, 'more_body': True}] * 3

    async def receive():
        return messages.pop()

    sent = []

    async def send(message):
        sent.append(message)
    scope = {'type': 'http', 'method': 'POST', 'path': '/predict',
             'headers': [(b'content-length', b'10')]}
    asyncio.run(RequestGuard(app, 100)(scope, receive, send))
    assert sent[0]['status'] == 413 and not received


def test_bearer_token_required_except_for_health(locked):
    assert locked.get('/health').status_code == 200
    good = json.dumps({'texts': ['great']}).encode()
    for headers in ({}, {'authorization': 'Bearer wrong'}, {'authorization': TOKEN},
                    {'authorization': f'Basic {TOKEN}'}):
        answer = _post(locked, good, **headers)
        assert answer.status_code == 401 and 'bearer token' in answer.json()['detail']
        assert answer.headers['www-authenticate'] == 'Bearer'
    assert locked.get('/docs').status_code == 401
    assert _post(locked, good, authorization=f'Bearer {TOKEN}').status_code == 200


def test_serve_refuses_an_unset_or_empty_api_key_env(monkeypatch, capsys, multikernel_bundle):
    monkeypatch.delenv('GS_NO_SUCH_TOKEN', raising=False)
    monkeypatch.setenv('GS_EMPTY_TOKEN', ' ')
    for name in ('GS_NO_SUCH_TOKEN', 'GS_EMPTY_TOKEN'):
        assert serve.main(['--model', multikernel_bundle, '--api-key-env', name]) == 2
        err = capsys.readouterr().err
        assert err.startswith('error: --api-key-env') and err.count('\n') == 1
    assert serve.main(['--model', multikernel_bundle, '--max-body-bytes', '0']) == 2


def test_serve_listens_on_loopback_by_default():
    assert serve.build_parser().parse_args(['--model', 'x']).host == '127.0.0.1'


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.one_of(
    st.binary(max_size=300),
    st.text(max_size=100).map(lambda t: t.encode('utf-8', 'surrogatepass')),
    st.lists(st.text(max_size=30), max_size=5).map(
        lambda texts: json.dumps({'texts': texts}).encode()),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
                 lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
                     st.sampled_from(['texts', 'explain', 'top_k', 'x']), kids, max_size=3),
                 max_leaves=8).map(lambda v: json.dumps({'texts': v}).encode())))
def test_arbitrary_bodies_get_2xx_or_4xx_with_detail(client, body):
    answer = _post(client, body)
    assert 200 <= answer.status_code < 500, answer.text
    payload = json.loads(answer.content.decode('utf-8'))
    assert answer.status_code == 200 or payload['detail']
