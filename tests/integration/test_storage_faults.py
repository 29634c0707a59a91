"""Storage faults: a real file-size limit, a folder in the way, a file in the way.

Writes fail here for real, in child processes under ``RLIMIT_FSIZE`` with
SIGXFSZ ignored (``tests/helpers/storage_child.py``), or because a path's
parent is a file: the tests run as root, for whom ``chmod`` makes nothing
read-only, and a file where a folder should be stops root too (ENOTDIR).
Permission denied and a full disk are checked without root's bypass in
``tests/unit/artifacts/test_storage_errors.py``.
"""
import glob
import json
import os
import subprocess
import sys

import pytest

from conftest import synthetic_reviews, write_review_folder
from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
from test_reliability import FAST, _train, max_abs_diff

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHILD = os.path.join(ROOT, 'tests', 'helpers', 'storage_child.py')
LIMIT = 2000  # bytes per file: below every parameter file, above config.json


def _child(limit, epoch, command, *argv):
    env = {**os.environ, 'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1'}
    return subprocess.run([sys.executable, CHILD, str(limit), str(epoch), command, *argv],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def _one_error_line(proc):
    """The child's stderr is exactly one ``error:`` line, no traceback; returns it."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith('error: '), proc.stderr
    assert 'Traceback' not in proc.stderr and 'MXNetError' not in proc.stderr
    return lines[0]


def _leftovers(folder):
    """Temporary files and staging folders of atomic writes under ``folder``."""
    return [p for p in glob.glob(os.path.join(folder, '**', '.*'), recursive=True)]


@pytest.fixture(scope='module')
def reviews(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('storage')
    texts, labels = synthetic_reviews()
    return write_review_folder(tmp / 'reviews', texts, labels)


def test_file_size_limit_in_epoch_2_then_resume_equals_uninterrupted(reviews, tmp_path):
    run = str(tmp_path / 'run')
    proc = _child(LIMIT, 2, 'train', '--data', reviews, '--output-dir', run, *FAST)
    line = _one_error_line(proc)
    assert line.startswith(f'error: {run}/epoch-0002.params: cannot write it (EFBIG: ')
    assert f'last complete checkpoint: {run}/epoch-0001.params (epoch 1)' in line
    assert 'ulimit -f' in line and f'python -m gluon_sentiment.train --resume {run}' in line
    assert _leftovers(run) == []
    metrics = json.load(open(os.path.join(run, 'metrics.json')))
    assert metrics['checkpoint']['epoch'] == 1 and len(metrics['history']) == 1

    env = {**os.environ, 'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1'}  # a fresh process, no limit
    resumed = subprocess.run([sys.executable, '-m', 'gluon_sentiment.train', '--resume', run,
                              '--quiet'], capture_output=True, text=True, env=env, cwd=ROOT,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    ref = tmp_path / 'ref'
    assert _train(reviews, ref) == 0
    a = json.load(open(ref / 'metrics.json'))
    b = json.load(open(os.path.join(run, 'metrics.json')))
    for key in ('test_accuracy', 'test_loss', 'val_accuracy', 'best_epoch'):
        assert abs(a[key] - b[key]) < 1e-6, key
    assert max_abs_diff(ref / 'epoch-0004.params', os.path.join(run, 'epoch-0004.params')) < 1e-6
    assert max_abs_diff(ref / 'best.params', os.path.join(run, 'best.params')) < 1e-6
    assert set(b['checksums']) == set(a['checksums'])  # the same files kept and checked


def test_file_size_limit_during_export_ensemble_and_evaluation(multikernel_run, reviews,  # noqa: F811
                                                               tmp_path):
    cases = [('export', ['--model', multikernel_run, '--out', str(tmp_path / 'bundle')],
              'bundle'),
             ('ensemble', ['--models', multikernel_run, '--out', str(tmp_path / 'ens')], 'ens'),
             ('evaluate', ['--model', multikernel_run, '--data', reviews,
                           '--out', str(tmp_path / 'eval')], 'eval')]
    for command, argv, out in cases:
        line = _one_error_line(_child(LIMIT, 0, command, *argv, '--quiet'))
        assert f'{tmp_path / out}' in line and '(EFBIG: File too large' in line, line
        assert '.tmp' not in line and f'{tmp_path}/.' not in line, line  # the real name
        assert _leftovers(str(tmp_path)) == [], command
    assert not (tmp_path / 'bundle').exists() and not (tmp_path / 'ens').exists()


@pytest.mark.parametrize('command', ['train', 'export', 'ensemble', 'evaluate'])
def test_parent_is_a_file_root_cannot_write_there_either(command, multikernel_run,  # noqa: F811
                                                         reviews, tmp_path, capsys):
    blocker = tmp_path / 'a-file'
    blocker.write_text('in the way')
    out = str(blocker / 'out')
    argv = {'train': ['--data', reviews, '--output-dir', out, *FAST, '--epochs', '1'],
            'export': ['--model', multikernel_run, '--out', out],
            'ensemble': ['--models', multikernel_run, '--out', out],
            'evaluate': ['--model', multikernel_run, '--data', reviews, '--out', out]}[command]
    module = __import__(f'gluon_sentiment.{command}', fromlist=['main'])
    assert module.main(argv + ['--quiet']) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ') and '\n' not in err and out in err
    assert 'Not a directory' in err or 'not a folder' in err, err
    assert sorted(os.listdir(tmp_path)) == ['a-file']


@pytest.mark.parametrize('command', ['train', 'export', 'ensemble', 'evaluate'])
def test_output_path_is_an_existing_file(command, multikernel_run, reviews,  # noqa: F811
                                         tmp_path, capsys):
    out = tmp_path / 'taken'
    out.write_text('keep me')
    argv = {'train': ['--data', reviews, '--output-dir', str(out), *FAST, '--epochs', '1'],
            'export': ['--model', multikernel_run, '--out', str(out), '--overwrite'],
            'ensemble': ['--models', multikernel_run, '--out', str(out), '--overwrite'],
            'evaluate': ['--model', multikernel_run, '--data', reviews, '--out', str(out)]}
    module = __import__(f'gluon_sentiment.{command}', fromlist=['main'])
    assert module.main(argv[command] + ['--quiet']) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ') and '\n' not in err and 'exists and is not a folder' in err
    assert out.read_text() == 'keep me' and sorted(os.listdir(tmp_path)) == ['taken']


def test_run_folder_vanishing_mid_training_says_so(reviews, tmp_path):
    import shutil

    from gluon_sentiment.errors import StorageError
    from gluon_sentiment.training import fit, handlers
    from gluon_sentiment.training.config import TrainConfig

    class Vanish(handlers.Handler):
        def epoch_end(self, run, row):
            if row['epoch'] == 1:
                shutil.rmtree(run.out)

    defaults = fit.default_handlers
    config = TrainConfig(data=reviews, output_dir=str(tmp_path / 'run'), seq_len=40,
                         embed_size=16, batch_size=16, epochs=2, lr=0.01)
    fit.default_handlers = lambda: [Vanish(), *defaults()]
    try:
        with pytest.raises(StorageError) as err:
            fit.run_training(config)
    finally:
        fit.default_handlers = defaults
    assert 'epoch-0001.params: cannot write it (ENOENT' in str(err.value)
    assert 'is gone, train again' in str(err.value)
