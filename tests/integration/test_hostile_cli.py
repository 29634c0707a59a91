"""Hostile text through the real commands: predict (arguments, files, stdin) and evaluate."""
import json
import os
import subprocess
import sys

import pytest

import gluon_sentiment as gs
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(gs.__file__)))
ENV = dict(os.environ, PYTHONPATH=ROOT)


def _run(module, args, stdin=b''):
    argv = [os.fsencode(sys.executable), b'-m', module.encode()] + [
        a if isinstance(a, bytes) else a.encode() for a in args]
    return subprocess.run(argv, input=stdin, capture_output=True, env=ENV, timeout=300,
                          check=False)


HOSTILE_LINES = (b'nul \x00 byte\n'
                 b'invalid \xff\xfe utf8\r\n'
                 b'ellipsis\xc2\x85 and \xe2\x80\xa8 separators stay one line\n'
                 + 'שלום e\u0301\u0301 😀 Фильм 电影\n'.encode()
                 + b'ctrl \x01\x1b[0m\x0c form feed\n\n')


@pytest.mark.parametrize('fmt', ['jsonl', 'table'])
def test_predict_stdin_and_arguments_never_raise(multikernel_run, fmt):
    done = _run('gluon_sentiment.predict', ['--model', multikernel_run, '--input', '-',
                                            '--format', fmt, '--explain'], HOSTILE_LINES)
    assert done.returncode == 0, done.stderr.decode(errors='replace')
    out = done.stdout.decode('utf-8')  # strict
    if fmt == 'jsonl':
        records = [json.loads(line) for line in out.split('\n') if line]
        assert len(records) == 6
        assert records[2]['text'] == 'ellipsis\x85 and \u2028 separators stay one line'
        assert records[3]['text'] == 'שלום e\u0301\u0301 😀 Фильм 电影'
        assert records[1]['text'] == 'invalid \ufffd\ufffd utf8'
        assert records[5] == {**records[5], 'text': '', 'unreadable': True, 'coverage': 0.0}
    else:
        assert out.count('positive=') == 6
    assert b'Traceback' not in done.stderr
    # undecodable argument bytes arrive as lone surrogates: replaced, counted, valid output
    done = _run('gluon_sentiment.predict', ['--model', multikernel_run, '--format', fmt,
                                            b'bad \xff\xfe bytes'])
    assert done.returncode == 0, done.stderr.decode(errors='replace')
    assert '\ufffd\ufffd' in done.stdout.decode('utf-8')
    assert b'2 lone surrogates' in done.stderr


def test_predict_a_10_mb_text_file(multikernel_run, tmp_path):
    path = tmp_path / 'big.txt'
    path.write_bytes(b'great film ' * (10 * 1024 * 1024 // 11) + b'\nshort\n')
    done = _run('gluon_sentiment.predict', ['--model', multikernel_run, '--input', str(path),
                                            '--format', 'jsonl'])
    assert done.returncode == 0, done.stderr.decode(errors='replace')
    records = [json.loads(line) for line in done.stdout.decode('utf-8').split('\n') if line]
    assert len(records) == 2 and records[0]['known_tokens'] <= 40


def test_evaluate_hostile_jsonl_and_latin1_lines(multikernel_run, tmp_path):
    rows = [{'text': '\ud800 great \u2028 film', 'label': 'pos'},
            {'text': 'nul\x00 awful', 'label': 'neg'},
            {'text': '电影 😀 e\u0301', 'label': 'pos'},
            {'text': 'x' * 200000, 'label': 'neg'}]
    path = tmp_path / 'hostile.jsonl'
    path.write_text('\n'.join(json.dumps(row) for row in rows) + '\n')
    out = tmp_path / 'eval'
    done = _run('gluon_sentiment.evaluate', ['--model', multikernel_run, '--data', str(path),
                                             '--out', str(out), '--top-errors', '4'])
    assert done.returncode == 0, done.stderr.decode(errors='replace')
    report = json.loads(done.stdout.decode('utf-8'))
    assert report['metrics']['n'] == 4
    texts = [e['text'] for e in report['confident_errors']]
    assert all('\ud800' not in t for t in texts)
    saved = (out / 'evaluation.json').read_text(encoding='utf-8')
    assert '\\ud800' not in saved and b'lone surrogate' in done.stderr

    neg, pos = tmp_path / 'rt.neg', tmp_path / 'rt.pos'
    neg.write_bytes(b'dull\x85 boring\nawful\x0c film\n')  # 0x85: Latin-1 U+0085
    pos.write_bytes(b'great\x85 film\nloved it\x1c really\n')
    done = _run('gluon_sentiment.evaluate', ['--model', multikernel_run, '--data',
                                             str(tmp_path / 'rt'), '--out', str(out)])
    assert done.returncode == 0, done.stderr.decode(errors='replace')
    assert json.loads(done.stdout)['metrics']['n'] == 4
