"""bench_memory.py in a quick run: every training's peak RSS, stage by stage, last line JSON.

No figure is asserted beyond being plausible: the peaks are for people to
read (README). The GloVe member reads the small fixture vectors, never the
network.
"""
import json
import os
import subprocess
import sys

import pytest

from conftest import NEGATIVE, NEUTRAL, POSITIVE, synthetic_reviews, write_review_archive
from glove_fixtures import _vectors, write_glove

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, 'benchmarks', 'bench_memory.py')
TRAININGS = ('fast', 'default', 'ngram', 'best-ngram', 'best-glove')


def test_quick_run_reports_the_peak_of_every_training_and_its_stages(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=100)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    vectors = write_glove(tmp_path / 'vectors.txt', _vectors(POSITIVE + NEGATIVE + NEUTRAL))
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    proc = subprocess.run([sys.executable, SCRIPT, '--quick', '--stages', '--data', archive,
                           '--embedding', vectors], cwd=REPO, capture_output=True, text=True,
                          timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result['quick'] is True and tuple(result['trainings']) == TRAININGS
    for name, report in result['trainings'].items():
        # a Python process with MXNet loaded holds well over 50 MB; 200 reviews far below 2 GB
        assert 50 < report['peak_rss_mb'] < 2000, name
        assert 0 <= report['val_accuracy'] <= 1 and report['best_epoch'] == 1
        stages = report['stages']
        for stage in ('read + split', 'tokenize + encode', 'build network', 'train epoch',
                      'evaluate', 'checkpoint', 'finish'):
            assert stages[stage]['calls'] >= 1, (name, stage)
        for stage, row in stages.items():  # nested stages: no stage above the whole
            assert 0 < row['peak_mb'] <= report['peak_rss_mb'] + 1e-6, (name, stage)
            assert row['peak_mb'] >= max(row['before_mb'], row['after_mb']) - 1, (name, stage)
            assert len(row['peaks_mb']) == row['calls']
        assert stages['fit (all epochs)']['peak_mb'] >= stages['train epoch']['peak_mb']
    assert 'naive-Bayes counts' in result['trainings']['fast']['stages']
    assert 'pretrained vectors' in result['trainings']['best-glove']['stages']
    assert any(line.startswith('best-glove ') and 'peak RSS' in line for line in lines)


def test_an_unknown_training_is_refused(tmp_path):
    proc = subprocess.run([sys.executable, SCRIPT, '--data', str(tmp_path), '--only', 'nope'],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and 'not a training here' in proc.stderr


def test_quick_best_pipeline_reports_each_member_and_the_combination(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=100)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    vectors = write_glove(tmp_path / 'vectors.txt', _vectors(POSITIVE + NEGATIVE + NEUTRAL))
    env = {**os.environ, 'PYTHONPATH': REPO + os.pathsep + os.environ.get('PYTHONPATH', '')}
    proc = subprocess.run([sys.executable, SCRIPT, '--quick', '--stages', '--only', 'best',
                           '--data', archive, '--embedding', vectors], cwd=REPO,
                          capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])['trainings']['best']
    assert 50 < report['peak_rss_mb'] < 2000 and 0 <= report['val_accuracy'] <= 1
    stages = report['stages']
    assert stages['train_best: member']['calls'] == 2
    assert stages['train_best: combine members']['calls'] == 1
    assert stages['fit (all epochs)']['calls'] == 2
