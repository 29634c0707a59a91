"""The peers benchmark runs in its --quick mode: every contender's row and the ratios, last line JSON.

No speed or accuracy is asserted: the numbers are for people to read (see benchmarks/).
"""
import json
import math
import os
import subprocess
import sys

import pytest

from conftest import synthetic_reviews, write_review_archive

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OURS = ('ngram_readme', 'ngram_fast', 'multikernel')


def test_quick_peers_benchmark_reports_every_contender(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=150)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'bench_peers.py'),
                           '--quick', '--data', archive], cwd=REPO, capture_output=True,
                          text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['quick'] is True and result['test_reviews'] == 60
    peers = ['nb_lr'] + (['fasttext'] if 'fasttext_accuracy' in result else [])
    for name in (*OURS, *peers):
        assert 0 <= result[f'{name}_accuracy'] <= 1, name
        for key in ('train_seconds', 'predict_per_sec'):
            assert math.isfinite(result[f'{name}_{key}']) and result[f'{name}_{key}'] > 0, key
    for lexicon in ('vader', 'textblob'):  # nothing to train: accuracy and rate only
        assert 0 <= result[f'{lexicon}_accuracy'] <= 1 and result[f'{lexicon}_predict_per_sec'] > 0
    for ours in OURS:
        for peer in peers:
            ratio = result[f'ratio_{ours}_vs_{peer}']
            assert ratio is None or ratio > 0


def test_quick_peers_benchmark_compresses_the_best_configuration(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=150)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'bench_peers.py'),
                           '--quick', '--no-peers', '--only', '', '--compress', '2MB',
                           '--data', archive], cwd=REPO, capture_output=True, text=True,
                          timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 'nb_lr_accuracy' not in result and 'ngram_fast_accuracy' not in result
    assert result['best_compressed_size_mb'] <= 2.0 < result['best_compressed_size_before_mb']
    assert result['best_compressed_loss_points'] == pytest.approx(
        100 * (result['best_accuracy'] - result['best_compressed_accuracy']))
    assert result['best_compressed_predict_per_sec'] > 0
