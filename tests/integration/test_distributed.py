"""Data-parallel training: a real loopback dist_sync job, the launcher's failure handling, bad input.

The jobs run MXNet's parameter server (ps-lite) on 127.0.0.1: one
scheduler, one server and two workers, on 80 synthetic reviews (balanced,
or 60:20 for the run with class weights and calibration) or 90 of three classes.
"""
import json
import os
import sys
import time
import uuid

import mxnet as mx
import numpy as np
import pytest

from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment import launch
from gluon_sentiment.data.pipeline import read_splits
from gluon_sentiment.training import launcher
from gluon_sentiment import train as train_cli
from gluon_sentiment.training import TrainConfig
from gluon_sentiment.training.distributed import LAUNCH_VARS, create_worker
from three_classes import CLASSES, three_class_rows, write_csv
from gluon_sentiment.errors import ConfigError

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELPERS = os.path.join(TESTS, 'helpers')
# reviews longer than --seq-len: no padding, so no tied all-padding windows, whose share of
# F.max's gradient depends on rounding (see the README); no dropout: the same updates as one
# process, up to rounding
ARGS = ['--seq-len', '10', '--embed-size', '16', '--batch-size', '16', '--epochs', '2',
        '--lr', '0.01', '--dropout', '0', '--quiet']


@pytest.fixture
def job_env(monkeypatch):
    """Workers can import tests/helpers/dist_worker.py; every process of the job carries a marker."""
    marker = uuid.uuid4().hex
    monkeypatch.setenv('GS_TEST_JOB', marker)
    monkeypatch.setenv('PYTHONPATH', os.pathsep.join(
        [HELPERS, os.path.dirname(TESTS), os.environ.get('PYTHONPATH', '')]))
    return marker


def _processes_with(marker):
    """Pids of this user's processes whose environment holds ``GS_TEST_JOB=marker``."""
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/environ', 'rb') as f:
                if f'GS_TEST_JOB={marker}'.encode() in f.read().split(b'\0'):
                    found.append(int(pid))
        except OSError:  # gone, or another user's
            pass
    return [pid for pid in found if pid != os.getpid()]


def _params(path):
    return {k: v.asnumpy() for k, v in sorted(mx.nd.load(str(path)).items())}


def _two_identical_workers(out, job_env, train_args):
    """Run a 2-worker dist_sync job; check it ends cleanly with bit-identical workers.

    Returns rank 0's parameters and the job's metrics.
    """
    code = launch.main(['-n', '2', '-s', '1', '--timeout', '300', '--grace', '10', '--quiet',
                        '--module', 'dist_worker', '--', *train_args, '--kvstore', 'dist_sync',
                        '--output-dir', str(out)])
    assert code == 0
    assert _processes_with(job_env) == []
    first, second = _params(out / 'worker-0.params'), _params(out / 'worker-1.params')
    assert first.keys() == second.keys()
    for name in first:  # bit-identical
        assert np.array_equal(first[name], second[name]), name
    return first, json.load(open(out / 'metrics.json'))


def test_dist_sync_workers_agree_and_match_one_process(review_folder, tmp_path, job_env):
    out = tmp_path / 'dist'
    common = ['--data', review_folder] + ARGS
    first, metrics = _two_identical_workers(out, job_env, common)
    assert metrics['status'] == 'done' and metrics['num_workers'] == 2
    assert [row['epoch'] for row in metrics['history']] == [1, 2]
    assert not [f for f in os.listdir(out) if '.tmp' in f]

    # one process with the same total batch: the same updates, up to float rounding
    single = tmp_path / 'single'
    assert train_cli.main(common + ['--output-dir', str(single)]) == 0
    alone = json.load(open(single / 'metrics.json'))
    reference = _params(single / 'best.params')
    for name in first:
        np.testing.assert_allclose(first[name], reference[name], rtol=1e-4, atol=1e-5,
                                   err_msg=name)
    assert metrics['best_epoch'] == alone['best_epoch']
    assert metrics['val_accuracy'] == pytest.approx(alone['val_accuracy'])
    assert metrics['test_accuracy'] == pytest.approx(alone['test_accuracy'])


def test_dist_sync_trains_the_ngram_model_through_its_rows_block(review_folder, tmp_path,
                                                                 job_env):
    # the n-gram model's steps call NgramRows on n-grams hashed in numpy by each worker
    _, metrics = _two_identical_workers(tmp_path / 'dist', job_env, [
        '--data', review_folder, *ARGS, '--model', 'ngram', '--model-args',
        '{"num_buckets": 1024}'])
    assert metrics['status'] == 'done' and metrics['val_accuracy'] > 0.8


def _imbalanced_folder(root):
    """60 positive and 20 negative synthetic reviews."""
    texts, labels = synthetic_reviews(60, seed=4)
    keep = [i for i, label in enumerate(labels) if label == 1 or i % 3 == 0]
    return write_review_folder(root, [texts[i] for i in keep], [labels[i] for i in keep])


def _worker_results(out):
    return [json.load(open(out / f'worker-{rank}.json')) for rank in (0, 1)]


@pytest.mark.parametrize('spec, mode', [('balanced', 'sample'), ('3,1', 'loss')])
def test_dist_sync_with_class_weights_and_bias_calibration(tmp_path, job_env, spec, mode):
    # class weights (drawn into the epoch, or weighting the loss), the temperature and
    # per-class bias fitted on the whole validation split by every worker, --threshold auto
    common = ['--data', _imbalanced_folder(tmp_path / 'reviews'), *ARGS,
              '--class-weight', spec, '--class-weight-mode', mode, '--threshold', 'auto']
    out = tmp_path / 'dist'
    start = time.monotonic()
    code = launch.main(['-n', '2', '-s', '1', '--timeout', '120', '--grace', '10', '--quiet',
                        '--module', 'dist_worker', '--', *common, '--kvstore', 'dist_sync',
                        '--output-dir', str(out)])
    assert code == 0 and time.monotonic() - start < 120  # every worker finished, none waits
    assert _processes_with(job_env) == []

    # the weights on both workers: balanced, n / (K * n_k) of the training split, or as listed
    saved = json.load(open(out / 'config.json'))
    config = TrainConfig.from_dict(saved)
    _, reviews, index, _ = read_splits(config, config.seed)
    counts = np.bincount(reviews.labels[index['train']], minlength=2)
    assert counts[0] < counts[1]
    want = counts.sum() / (2 * counts) if spec == 'balanced' else [3.0, 1.0]
    first, second = _worker_results(out)
    for result in (first, second):
        np.testing.assert_allclose(result['class_weights'], want)
    assert saved['class_weight_mode'] == mode

    # the workers agree: same parameters, calibration, threshold, figures; rank 0 wrote them
    params = _params(out / 'worker-0.params')
    other = _params(out / 'worker-1.params')
    assert all(np.array_equal(params[name], other[name]) for name in params)
    metrics = json.load(open(out / 'metrics.json'))
    calibration = metrics['calibration']
    assert calibration['weighted'] is True and len(calibration['bias']) == 2
    for result in (first, second):
        assert result['metrics']['calibration'] == calibration
        for key in ('decision_threshold', 'best_epoch', 'test_accuracy',
                    'test_weighted_accuracy', 'history'):
            got, want = result['metrics'][key], metrics[key]
            if key == 'history':  # timings are each worker's own
                got, want = ([{k: v for k, v in row.items() if k.startswith('val_')}
                              for row in rows] for rows in (got, want))
            assert got == want, key
    assert saved['calibration'] == {'temperature': calibration['temperature'],
                                    'bias': calibration['bias']}
    assert saved['decision_threshold'] == metrics['decision_threshold']
    assert all('val_weighted_accuracy' in row for row in metrics['history'])

    # the weights were applied: one process with them trains the same network and fits the
    # same calibration; one process without them trains another network
    assert train_cli.main(common + ['--output-dir', str(tmp_path / 'single')]) == 0
    alone = json.load(open(tmp_path / 'single' / 'metrics.json'))
    reference = _params(tmp_path / 'single' / 'best.params')
    for name in params:
        np.testing.assert_allclose(params[name], reference[name], rtol=1e-4, atol=1e-5,
                                   err_msg=name)
    assert alone['best_epoch'] == metrics['best_epoch']
    assert alone['calibration']['temperature'] == pytest.approx(calibration['temperature'],
                                                                rel=1e-3)
    np.testing.assert_allclose(alone['calibration']['bias'], calibration['bias'], atol=1e-3)
    plain = common[:common.index('--class-weight')] + ['--output-dir', str(tmp_path / 'plain')]
    assert train_cli.main(plain) == 0
    unweighted = _params(tmp_path / 'plain' / 'best.params')
    assert max(np.abs(params[name] - unweighted[name]).max() for name in params) > 1e-2


def test_dist_sync_three_classes_match_one_process(tmp_path, job_env):
    # K = 3: the sharded validation sums its 3 x 3 confusion matrix over the workers in two
    # pushes of at most 8 numbers; the temperature is fitted by every worker on the whole split
    common = ['--data', write_csv(tmp_path / 'k3.csv', three_class_rows(30, seed=1)),
              '--labels', ','.join(CLASSES), *ARGS, '--select-metric', 'macro_f1']
    out = tmp_path / 'dist'
    code = launch.main(['-n', '2', '-s', '1', '--timeout', '120', '--grace', '10', '--quiet',
                        '--module', 'dist_worker', '--', *common, '--kvstore', 'dist_sync',
                        '--output-dir', str(out)])
    assert code == 0
    assert _processes_with(job_env) == []
    first, second = _worker_results(out)
    assert first['metrics']['calibration'] == second['metrics']['calibration']
    assert first['metrics']['test_macro_f1'] == second['metrics']['test_macro_f1']
    metrics = json.load(open(out / 'metrics.json'))
    assert train_cli.main(common + ['--output-dir', str(tmp_path / 'single')]) == 0
    alone = json.load(open(tmp_path / 'single' / 'metrics.json'))
    for got, want in zip(metrics['history'], alone['history']):
        for key in ('val_loss', 'val_accuracy', 'val_macro_f1'):
            assert got[key] == pytest.approx(want[key], abs=1e-5), key
    assert len(metrics['history']) == len(alone['history']) == 2
    assert metrics['best_epoch'] == alone['best_epoch']
    for key in ('test_accuracy', 'test_macro_f1'):
        assert metrics[key] == pytest.approx(alone[key], abs=1e-5), key
    assert metrics['calibration']['temperature'] == pytest.approx(
        alone['calibration']['temperature'], rel=1e-3)
    assert json.load(open(out / 'config.json'))['class_names'] == list(CLASSES)


def test_killed_worker_stops_the_job(review_folder, tmp_path, job_env, monkeypatch, capfd):
    monkeypatch.setenv('GS_TEST_KILL_RANK', '1')
    start = time.monotonic()
    code = launch.main(['-n', '2', '-s', '1', '--timeout', '120', '--grace', '5',
                        '--module', 'dist_worker', '--', '--data', review_folder, *ARGS,
                        '--kvstore', 'dist_sync', '--output-dir', str(tmp_path / 'run')])
    assert code == 1
    assert time.monotonic() - start < 120
    err = capfd.readouterr().err
    assert 'worker process' in err and 'status -9' in err and 'error:' in err
    assert _processes_with(job_env) == []


def test_launcher_stops_a_job_past_its_timeout(tmp_path, job_env, capfd):
    start = time.monotonic()
    code = launcher.launch([sys.executable, '-c', 'import time; time.sleep(60)'], num_workers=2,
                         timeout=2, grace=2)
    assert code == 1 and time.monotonic() - start < 30
    assert 'timeout' in capfd.readouterr().err
    assert _processes_with(job_env) == []


def test_launcher_rejects_zero_workers(capsys):
    assert launch.main(['-n', '0', '--', '--epochs', '1']) == 2
    assert 'error: -n/--num-workers' in capsys.readouterr().err


def test_dist_kvstore_without_launcher_says_how_to_launch(review_folder, tmp_path, monkeypatch,
                                                          capsys):
    for name in LAUNCH_VARS:
        monkeypatch.delenv(name, raising=False)
    assert train_cli.main(['--data', review_folder, '--kvstore', 'dist_sync',
                           '--output-dir', str(tmp_path / 'run')] + ARGS) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: --kvstore dist_sync') and 'DMLC_ROLE' in err
    assert 'python -m gluon_sentiment.launch -n 2 -s 1' in err and 'Traceback' not in err
    assert not (tmp_path / 'run').exists()
    with pytest.raises(ConfigError, match='choose one of'):
        create_worker('dist_everything')


def test_more_workers_than_training_examples(review_folder, tmp_path, job_env, capfd):
    code = launch.main(['-n', '4', '-s', '1', '--timeout', '120', '--grace', '5', '--',
                        '--data', review_folder, '--max-examples', '8', *ARGS,
                        '--kvstore', 'dist_sync', '--output-dir', str(tmp_path / 'run')])
    assert code == 1
    err = capfd.readouterr().err
    assert 'error: 4 workers but only 3 training examples' in err
    assert _processes_with(job_env) == []


def test_dist_async_trains_and_rank_0_writes(review_folder, tmp_path, job_env):
    out = tmp_path / 'async'
    code = launch.main(['-n', '2', '-s', '1', '--timeout', '300', '--grace', '10', '--quiet',
                        '--', '--data', review_folder, *ARGS, '--lr-schedule', 'cosine',
                        '--kvstore', 'dist_async', '--output-dir', str(out)])
    assert code == 0
    metrics = json.load(open(out / 'metrics.json'))
    assert metrics['status'] == 'done' and metrics['kvstore'] == 'dist_async'
    assert 0 <= metrics['test_accuracy'] <= 1
    assert (out / 'best.params').exists()
    assert _processes_with(job_env) == []
