"""benchmarks/bench_imbalanced.py on a small archive: the folders, the balanced held-out sets, the report."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import synthetic_reviews, write_review_archive

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'benchmarks'))

from bench_imbalanced import balanced_sets  # noqa: E402  pylint: disable=wrong-import-position


def test_balanced_sets_take_spare_negatives_then_subsample():
    labels = np.array([1] * 8 + [0] * 2)
    index = {'val': np.array([0, 1, 8]), 'test': np.array([2, 3, 4, 9])}
    sets = balanced_sets(labels, index, spare_negatives=5)
    assert sets['select'][0].tolist() == [0, 1] and len(sets['select'][1]) == 2
    assert sets['test'][0].tolist() == [2, 3, 4] and len(sets['test'][1]) == 3
    assert not set(sets['select'][1]) & set(sets['test'][1])  # disjoint spare negatives
    # too few spare negatives: the split's own reviews, as many of each class
    rows, spare = balanced_sets(labels, index, spare_negatives=0)['test']
    assert len(spare) == 0 and sorted(labels[rows].tolist()) == [0, 1]


def test_quick_run_scores_balanced_sets_kept_out_of_training(tmp_path):
    texts, labels = synthetic_reviews(n_per_class=120)
    archive = write_review_archive(tmp_path / 'reviews.tar.gz', texts, labels)
    work = tmp_path / 'work'
    env = {**os.environ, 'PYTHONPATH': REPO, 'OMP_NUM_THREADS': '1'}
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'benchmarks', 'bench_imbalanced.py'),
                           '--data', archive, '--workdir', str(work), '--ratio', '4',
                           '--epochs', '1', '--class-weight', 'balanced',
                           '--settings', '{}', '{"lr": 0.002}'],
                          cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result['train'] == {'positive': 120, 'negative': 30}
    for name in ('select', 'test'):  # balanced, from reviews the runs never trained on
        assert result[name]['pos'] == result[name]['neg'] > 0
    train_neg = set(os.listdir(work / 'train' / 'neg'))
    for name in ('select', 'test'):  # negatives from outside the folder
        assert not set(os.listdir(work / name / 'neg')) & train_neg
    for label in ('pos', 'neg'):  # positives of the validation and of the test split: disjoint
        assert not set(os.listdir(work / 'select' / label)) & set(os.listdir(work / 'test' / label))
    assert result['balanced-c1']['setting'] == {'lr': 0.002}
    for key in ('balanced-c0', 'balanced-c1'):
        row = result[key]
        for metric in ('select_accuracy', 'test_accuracy', 'test_macro_f1', 'val_macro_f1'):
            assert 0 <= row[metric] <= 1, metric
        assert row['sizes']['train'] + row['sizes']['val'] + row['sizes']['test'] == 150
