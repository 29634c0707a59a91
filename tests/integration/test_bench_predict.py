"""The prediction benchmark runs in its --quick mode: every model's rates side by side, last line JSON.

The models are the shipped one, a small n-gram run, a small multikernel run
and their ensemble; each must report finite positive rates and the same
labels with its fast paths on and off. No speed is asserted: the rates are
for people to read (see benchmarks/).
"""
import json
import math
import os
import subprocess
import sys

import pytest

from conftest import synthetic_reviews, write_review_archive
from gluon_sentiment import ensemble as ensemble_cli
from train_fixtures import train_fast

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RATES = ('records_per_sec', 'predict_per_sec', 'predict_median_per_sec', 'predict_cpu_per_sec',
         'plain_predict_per_sec')


def test_quick_predict_benchmark_reports_every_model(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=200)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    runs = {}
    for model in ('ngram', 'multikernel'):
        runs[model] = str(tmp_path / model)
        assert train_fast(archive, runs[model], '--model', model, '--epochs', '1') == 0
    runs['both'] = str(tmp_path / 'both')
    assert ensemble_cli.main(['--models', runs['ngram'], runs['multikernel'],
                              '--out', runs['both']]) == 0
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    command = [sys.executable, os.path.join(REPO, 'benchmarks', 'bench_predict.py'), '--quick',
               '--data', archive, '--repeat', '1', '--model', 'imdb']
    command += [f'--model={label}={path}' for label, path in runs.items()]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900,
                          env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['quick'] is True and result['texts'] == 60
    for label in ('imdb', *runs):
        for key in RATES:
            assert math.isfinite(result[f'{label}_{key}']) and result[f'{label}_{key}'] > 0, key
        assert result[f'{label}_labels_equal'] is True, label
        assert result[f'{label}_max_probability_diff'] < 1e-5, label
        ratio = result[f'{label}_vs_fasttext']
        assert ratio is None if result['fasttext_predict_per_sec'] is None else ratio > 0
