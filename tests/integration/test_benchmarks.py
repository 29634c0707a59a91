"""The benchmark against PyTorch runs in its --quick mode and reports every key as a finite number.

No speed is asserted here: the ratios are for people to read (see benchmarks/).
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
REQUIRED = ('train_speedup_vs_pytorch', 'infer_speedup_vs_pytorch', 'hybridize_speedup',
            'prep_speedup_vs_tutorial', 'bucketing_epoch_speedup', 'bucketing_accuracy_delta',
            'train_gflops', 'peak_rss_mb', 'infer_tables_speedup_vs_pytorch')


def test_quick_benchmark_reports_every_key(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=200)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'bench_vs_pytorch.py'),
                           '--quick', '--data', archive], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in REQUIRED:
        assert isinstance(result[key], (int, float)) and math.isfinite(result[key]), key
    assert result['quick'] is True
    assert result['peak_rss_mb'] > 0 and result['train_gflops'] > 0
    assert result['infer_tables_max_abs_diff'] < 1e-4  # the table path scores as the graph does
