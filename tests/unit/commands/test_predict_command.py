"""Prediction at scale (files, stdin, JSON Lines, chunks) and explanations."""
import io
import json

import numpy as np
import pytest

import gluon_sentiment as gs
from conftest import NEUTRAL
from deploy_fixtures import (deploy_root, fixed_length_run, multikernel_bundle,  # noqa: F401
                             multikernel_run)
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.errors import ConfigError
from gluon_sentiment.analysis.explain import explain, explain_max_pool
from gluon_sentiment.inference.records import Throughput, iter_records

LINES = ['great wonderful excellent', 'awful boring terrible', '', 'the plot was a scene',
         'I loved it', 'hated it, the worst film', 'brilliant superb', 'dull']


@pytest.fixture
def input_file(tmp_path):
    path = tmp_path / 'texts.txt'
    path.write_text('\n'.join(LINES) + '\n', encoding='utf-8')
    return str(path)


def _records(out):
    return [json.loads(line) for line in out.strip().splitlines()]


def test_jsonl_from_a_file_in_small_chunks(multikernel_bundle, input_file, capsys):
    assert predict_cli.main(['--model', multikernel_bundle, '--input', input_file, '--format',
                             'jsonl', '--chunk-size', '3', '--batch-size', '2', '--verbose',
                             '--quiet']) == 0
    captured = capsys.readouterr()
    records = _records(captured.out)
    assert [r['text'] for r in records] == LINES
    probs = gs.load_model(multikernel_bundle).predict_proba(LINES)
    np.testing.assert_allclose([[r['probabilities']['negative'], r['probabilities']['positive']]
                                for r in records], probs, rtol=0, atol=1e-6)
    assert [r['label'] for r in records] == [['negative', 'positive'][int(p[1] > p[0])]
                                             for p in probs]
    assert f'predicted {len(LINES)} texts' in captured.err and 'texts/s' in captured.err


def test_stdin_and_table(multikernel_run, monkeypatch, capsys):
    stdin = io.TextIOWrapper(io.BytesIO(('\n'.join(LINES[:2]) + '\n').encode()), encoding='utf-8')
    monkeypatch.setattr('sys.stdin', stdin)
    assert predict_cli.main(['--model', multikernel_run, '--input', '-', '--quiet']) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith('positive\tnegative=') and lines[0].endswith(LINES[0])
    assert lines[1].startswith('negative\t')


@pytest.mark.parametrize('argv, message', [
    ([], 'give texts as arguments or --input'),
    (['some text', '--input', 'file.txt'], 'not both'),
    (['--input', '/no/such/file.txt'], 'cannot read it'),
    (['text', '--batch-size', '0'], '--batch-size must be at least 1'),
])
def test_predict_input_errors(multikernel_run, capsys, argv, message):
    assert predict_cli.main(['--model', multikernel_run, '--quiet'] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and message in err and 'Traceback' not in err


def test_iter_records_streams_in_order(multikernel_run):
    clf = gs.load_model(multikernel_run)
    stats = Throughput()
    texts = (text for text in LINES * 3)  # a generator: read once, chunk by chunk
    records = list(iter_records(clf, texts, chunk_size=5, stats=stats))
    assert [r['text'] for r in records] == LINES * 3
    assert stats.texts == 24 and stats.per_second > 0


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
        assert result['margin'] == pytest.approx(np.log(p[1] / p[0]), abs=1e-5)
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
    assert result['margin'] == pytest.approx(np.log(p[1] / p[0]), abs=1e-5)


def test_explain_needs_the_gluon_model(multikernel_bundle):
    with pytest.raises(ConfigError, match='symbolic=True'):
        explain(gs.load_model(multikernel_bundle, symbolic=True), 'great')


def test_predict_cli_explain(multikernel_run, capsys):
    text = 'unintelligent, gross, and vulgar—but I loved it'
    assert predict_cli.main(['--model', multikernel_run, '--explain', '--top-k', '2',
                             '--format', 'jsonl', '--quiet', text]) == 0
    record = _records(capsys.readouterr().out)[0]
    assert record['text'] == text and len(record['explanation']['top']) == 2
