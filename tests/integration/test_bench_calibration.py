"""benchmarks/bench_calibration.py --quick: held-out ECE before and after calibration, per model."""
import json
import os
import subprocess
import sys

import pytest

from conftest import synthetic_reviews, write_review_archive

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_quick_run_reports_ece_before_and_after(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=100)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    env = {**os.environ, 'PYTHONPATH': REPO, 'OMP_NUM_THREADS': '1'}
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'bench_calibration.py'),
                           '--quick', '--data', archive, '--workdir', str(tmp_path / 'work')],
                          cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['sizes'] == {'train': 160, 'test': 40}
    for name in ('dense', 'ngram'):
        row = result[name]
        assert row['n'] == 40 and row['val_n'] > 0
        for key in ('ece_before', 'ece_after', 'ece_floor', 'accuracy'):
            assert 0 <= row[key] <= 1, key
        # a temperature alone never changes the decision
        assert row['accuracy'] == row['accuracy_before']
        assert (row['temperature'] == 1.0) == (row['nll_after'] == row['nll_before'])
        low, high = row['ece_boot90']
        assert 0 <= low <= high <= 1
        assert 0 <= row['ece_after_bias'] <= 1 and len(row['temperature_bias'][1]) == 2
    assert 'best' not in result
    # --reuse scores the finished runs again without training: the same figures
    again = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'bench_calibration.py'),
                            '--quick', '--reuse', '--data', archive,
                            '--workdir', str(tmp_path / 'work')],
                           cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'epoch 1/1' not in again.stderr
    reused = json.loads(again.stdout.strip().splitlines()[-1])
    assert reused['dense']['ece_after'] == pytest.approx(result['dense']['ece_after'])
