"""bench_data_size.py in a quick run: both lines, the crossing sentence, the PNG, last line JSON.

No accuracy is asserted: the figures are for people to read (README). The
vectors are the small fixture file of glove_fixtures, never the network.
"""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import synthetic_reviews, write_review_archive
from conftest import NEGATIVE, NEUTRAL, POSITIVE
from glove_fixtures import _vectors, write_glove

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, 'benchmarks', 'bench_data_size.py')


def _bench():
    spec = importlib.util.spec_from_file_location('bench_data_size', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_draws_both_lines_and_states_the_crossing(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=100)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    vectors = write_glove(tmp_path / 'vectors.txt', _vectors(POSITIVE + NEGATIVE + NEUTRAL))
    png = tmp_path / 'data_size.png'
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    proc = subprocess.run([sys.executable, SCRIPT, '--quick', '--data', archive, '--sizes',
                           '40,20', '--seeds', '0,1', '--embedding', vectors, '--plot', str(png)],
                          cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result['sizes'] == [20, 40] and result['seeds'] == [0, 1] and result['quick']
    assert result['runs_per_size'] == [2, 2]
    for name in ('learned', 'glove'):
        assert len(result[f'{name}_mean']) == 2
        assert all(0 <= a <= 1 for a in result[f'{name}_mean'])
        assert [len(result['runs'][name][s]) for s in ('20', '40')] == [2, 2]
    assert any(line.startswith('crossing: ') for line in lines)
    assert result['crossing'] and png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    # a second output's runs are added to the first's: two runs per size, drawn without training
    output = tmp_path / 'first.out'
    output.write_text(proc.stdout)
    again = tmp_path / 'merged.png'
    assert _bench().main(['--sizes', '', '--include', str(output), '--include', str(output),
                          '--plot', str(again)]) == 0
    assert again.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_too_large_a_size_is_refused(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=20)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    with pytest.raises(SystemExit, match='only'):
        _bench().main(['--quick', '--data', archive, '--sizes', '1000', '--seeds', '0'])


def test_the_crossing_is_interpolated_in_log_size():
    bench = _bench()
    # glove ahead by 0.02 at 100, behind by 0.02 at 10,000: crossing at 1,000
    assert bench.crossing([100, 10000], [0.70, 0.90], [0.72, 0.88]) == pytest.approx(1000)
    assert bench.crossing([100, 1000], [0.7, 0.8], [0.8, 0.9]) is None
    assert 'learned embedding is ahead from about 1,000' in bench.crossing_sentence(
        [100, 10000], [0.70, 0.90], [0.72, 0.88])
    # the last crossing counts: glove behind at 1,000 only
    sizes, learned, glove = [100, 1000, 10000], [0.6, 0.8, 0.85], [0.7, 0.7, 0.9]
    assert 100 < bench.crossing(sizes, learned, glove) > 1000
    assert 'GloVe is ahead from about' in bench.crossing_sentence(sizes, learned, glove)
    assert 'cross 2 times' in bench.crossing_sentence(sizes, learned, glove)
    assert 'GloVe is ahead at every size' in bench.crossing_sentence([100, 1000], [0.7, 0.8],
                                                                    [0.8, 0.9])
