"""``python -m gluon_sentiment.compress``: a compressed run that predict and explain use; errors."""
import json
import os
import subprocess
import sys

import pytest

from compress_fixtures import ngram_run  # noqa: F401
from gluon_sentiment import compress as compress_cli
from gluon_sentiment import predict as predict_cli
from gluon_sentiment.artifacts.store import COMPRESSION

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_compress_then_predict_and_explain(ngram_run, tmp_path, capsys):
    out = str(tmp_path / 'small')
    assert compress_cli.main(['--model', ngram_run, '--out', out, '--max-size', '1MB',
                              '--quiet']) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed['out'] == out and printed['size_bytes'] <= 1_000_000
    assert printed['before']['accuracy'] == printed['after']['accuracy'] and not printed['note']
    assert os.path.isfile(os.path.join(out, COMPRESSION))
    assert predict_cli.main(['--model', out, '--explain', '--top-k', '2', '--quiet',
                             'superb excellent great movie']) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith('positive') and len(lines) == 3  # the label, then 2 n-grams


@pytest.mark.parametrize('size,message', [
    ('twenty', "error: --max-size 'twenty': not a size"),
    ('1KB', 'cannot be compressed below'),
])
def test_bad_sizes_are_one_line_errors(ngram_run, tmp_path, capsys, size, message):
    out = str(tmp_path / 'out')
    assert compress_cli.main(['--model', ngram_run, '--out', out, '--max-size', size,
                              '--quiet']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and not os.path.exists(out)


def test_existing_out_needs_overwrite_in_a_fresh_process(ngram_run, tmp_path):
    out = tmp_path / 'taken'
    out.mkdir()
    (out / 'keep.txt').write_text('mine')
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    result = subprocess.run([sys.executable, '-m', 'gluon_sentiment.compress', '--model',
                             ngram_run, '--out', str(out), '--max-size', '1MB'],
                            capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f'error: --out {out}: exists; choose a new folder or pass --overwrite')
    assert (out / 'keep.txt').read_text() == 'mine'
