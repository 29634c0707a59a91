"""The predict command at scale (files, stdin, JSON Lines, chunks), with explanations and odd texts."""
import io
import json

import numpy as np
import pytest

from conftest import synthetic_reviews, write_review_folder
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment import predict as predict_cli
from gluon_sentiment import train as train_cli


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


def test_no_fast_paths_gives_the_same_records(multikernel_run, input_file, capsys):
    lines = LINES * 40  # more words than the vocabulary: the fast path takes the tables
    path = input_file.replace('texts.txt', 'many.txt')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    outputs = []
    for extra in ([], ['--no-fast-paths']):
        assert predict_cli.main(['--model', multikernel_run, '--input', path, '--format',
                                 'jsonl', '--quiet'] + extra) == 0
        outputs.append(_records(capsys.readouterr().out))
    fast, plain = outputs
    assert [r['label'] for r in fast] == [r['label'] for r in plain] and len(fast) == len(lines)
    np.testing.assert_allclose([r['probabilities']['positive'] for r in fast],
                               [r['probabilities']['positive'] for r in plain], atol=1e-6)
    assert predict_cli.main(['--model', multikernel_run, '--input', path, '--output-dir',
                             path + '.out', '--no-fast-paths', '--quiet']) == 2
    assert 'not to --output-dir' in capsys.readouterr().err


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


def test_predict_cli_explain(multikernel_run, capsys):
    text = 'unintelligent, gross, and vulgar—but I loved it'
    assert predict_cli.main(['--model', multikernel_run, '--explain', '--top-k', '2',
                             '--format', 'jsonl', '--quiet', text]) == 0
    record = _records(capsys.readouterr().out)[0]
    assert record['text'] == text and len(record['explanation']['top']) == 2


FAST = ['--seq-len', '40', '--embed-size', '8', '--batch-size', '16', '--epochs', '1',
        '--quiet']


def _train(data, out, *extra):
    return train_cli.main(['--data', str(data), '--output-dir', str(out)] + FAST + list(extra))


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('tiny')
    texts, labels = synthetic_reviews(20)
    data = write_review_folder(tmp / 'r', texts, labels)
    assert _train(data, tmp / 'run') == 0
    return str(tmp / 'run')


def test_predict_cli_on_odd_texts(tiny_run, capsys):
    texts = ['', '   \t ', '😀🎬🍿', 'Фильм был ужасен', '映画は素晴らしかった', 'فيلم رائع']
    assert predict_cli.main(['--model', tiny_run, '--quiet'] + texts) == 0
    lines = capsys.readouterr().out.split('\n')[:len(texts)]
    for line in lines:
        label, neg, pos = line.split('\t')[:3]
        neg, pos = float(neg.split('=')[1]), float(pos.split('=')[1])
        assert label in ('positive', 'negative') and 0 <= neg <= 1 and abs(neg + pos - 1) < 1e-3
