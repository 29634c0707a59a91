"""Reliability: resume, interrupts, divergence, mismatches and kill -9.

Determinism is tested in test_train.py::test_same_seed_same_metrics.
"""
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

import gluon_sentiment as gs
from conftest import synthetic_reviews, write_review_folder
from gluon_sentiment.artifacts import store as rundir
from gluon_sentiment.training import fit as experiment
from gluon_sentiment import train as train_cli
from gluon_sentiment.errors import RunDirError

FAST = ['--seq-len', '40', '--embed-size', '16', '--batch-size', '16', '--epochs', '4',
        '--lr', '0.01', '--quiet']
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _train(data, out, *extra):
    return train_cli.main(['--data', data, '--output-dir', str(out)] + FAST + list(extra))


def _params(path):
    return {k: v.asnumpy() for k, v in mx.nd.load(str(path)).items()}


def max_abs_diff(path_a, path_b):
    """Largest absolute difference between two parameter files with the same names."""
    a, b = _params(path_a), _params(path_b)
    assert a.keys() == b.keys()
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


def _signal_during(monkeypatch, signum, epoch, batch):
    """Make the ``epoch``-th train_batches call send ``signum`` to this process after ``batch``."""
    real, calls = experiment.train_batches, []

    def train_epoch(*args, on_batch_end, **kwargs):
        calls.append(1)

        def hook(i):
            if len(calls) == epoch and i == batch:
                os.kill(os.getpid(), signum)
            on_batch_end(i)
        return real(*args, on_batch_end=hook, **kwargs)
    monkeypatch.setattr(experiment, 'train_batches', train_epoch)


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """Data and an uninterrupted 4-epoch run on it."""
    tmp = tmp_path_factory.mktemp('ref')
    texts, labels = synthetic_reviews()
    data = write_review_folder(tmp / 'reviews', texts, labels)
    assert _train(data, tmp / 'run') == 0
    return data, str(tmp / 'run')


@pytest.mark.parametrize('signum, epoch, batch', [(signal.SIGINT, 3, 1), (signal.SIGTERM, 1, 0)])
def test_interrupt_then_resume_equals_uninterrupted(reference, tmp_path, monkeypatch, capsys,
                                                    signum, epoch, batch):
    data, ref = reference
    out = tmp_path / 'run'
    _signal_during(monkeypatch, signum, epoch, batch)
    assert _train(data, out) == 128 + signum
    err = capsys.readouterr().err
    assert f'error: {signal.Signals(signum).name}: training stopped in epoch {epoch}' in err
    assert f'python -m gluon_sentiment.train --resume {out}' in err
    metrics = json.load(open(out / 'metrics.json'))
    assert metrics['status'] == 'interrupted'
    assert len(metrics['history']) == epoch - 1  # the interrupted epoch restarts on resume
    monkeypatch.undo()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored

    assert train_cli.main(['--resume', str(out), '--quiet']) == 0
    a, b = json.load(open(os.path.join(ref, 'metrics.json'))), json.load(open(out / 'metrics.json'))
    for key in ('test_accuracy', 'test_loss', 'val_accuracy', 'best_epoch'):
        assert abs(a[key] - b[key]) < 1e-6, key
    for row_a, row_b in zip(a['history'], b['history']):
        assert abs(row_a['train_loss'] - row_b['train_loss']) < 1e-6
    assert max_abs_diff(os.path.join(ref, 'epoch-0004.params'), out / 'epoch-0004.params') < 1e-6
    assert max_abs_diff(os.path.join(ref, 'best.params'), out / 'best.params') < 1e-6
    assert sorted(glob.glob(str(out / '*.states'))) == [str(out / 'epoch-0004.states')]


def test_resume_of_a_finished_run_changes_nothing(reference, capsys):
    data, ref = reference
    before = json.load(open(os.path.join(ref, 'metrics.json')))
    assert train_cli.main(['--resume', ref, '--quiet']) == 0
    after = json.load(open(os.path.join(ref, 'metrics.json')))
    assert after['history'] == before['history'] and after['test_loss'] == before['test_loss']


def test_resume_refuses_other_options_and_non_runs(tmp_path, capsys):
    assert train_cli.main(['--resume', str(tmp_path), '--epochs', '9', '--quiet']) == 2
    assert 'leave out --epochs' in capsys.readouterr().err
    assert train_cli.main(['--resume', str(tmp_path / 'nope'), '--quiet']) == 2
    assert 'no such run directory' in capsys.readouterr().err


def test_resume_refuses_changed_data(reference, tmp_path, capsys):
    data, ref = reference
    run = tmp_path / 'run'
    shutil.copytree(ref, run)
    moved = tmp_path / 'other'
    texts, labels = synthetic_reviews(seed=7)
    write_review_folder(moved, [t + ' zebra' for t in texts], labels)
    config = json.load(open(run / 'config.json'))
    config['data'] = str(moved)
    (run / 'config.json').write_text(json.dumps(config))
    assert train_cli.main(['--resume', str(run), '--quiet']) == 2
    err = capsys.readouterr().err
    assert 'vocab.json: the data now give a different vocabulary' in err


def test_divergence_stops_and_keeps_last_good_checkpoint(reference, tmp_path, monkeypatch,
                                                         capsys):
    data, _ = reference
    real, calls = experiment.train_batches, []

    def train_epoch(*args, **kwargs):  # the loss explodes in epoch 3
        calls.append(1)
        result = real(*args, **kwargs)
        return {**result, 'loss': float('nan')} if len(calls) == 3 else result
    monkeypatch.setattr(experiment, 'train_batches', train_epoch)
    out = tmp_path / 'run'
    assert _train(data, out) == 2
    err = capsys.readouterr().err
    assert 'error: training diverged in epoch 3 (train loss nan' in err
    assert f'last good checkpoint: {out / "epoch-0002.params"} (epoch 2)' in err
    assert '--lr' in err and 'Traceback' not in err
    metrics = json.load(open(out / 'metrics.json'))
    assert metrics['status'] == 'diverged' and metrics['checkpoint']['epoch'] == 2
    assert not (out / 'epoch-0003.params').exists()
    assert gs.load_model(str(out)).predict_proba(['great']).shape == (1, 2)


def test_huge_learning_rate_diverges_with_message(reference, tmp_path, capsys):
    data, _ = reference
    assert _train(data, tmp_path / 'run', '--lr', '1e30', '--optimizer', 'sgd') == 2
    assert 'training diverged in epoch 1' in capsys.readouterr().err


@pytest.mark.parametrize('edit, message', [
    (lambda c: c.update(version='1.0.0'), 'made by gluon_sentiment 1.0.0, incompatible with'),
    (lambda c: c.update(run_format='gluon_sentiment.run/2'), "run format 'gluon_sentiment.run/2'"),
    (lambda c: c['model_kwargs'].update(vocab_size=7), 'config says vocab_size 7 but vocab.json'),
    (lambda c: c['model_kwargs'].update(embed_size=17), 'does not fit the model in config.json'),
    (lambda c: c.update(model='dense'), 'does not fit the model in config.json'),
])
def test_mismatched_run_names_the_mismatch(reference, tmp_path, capsys, edit, message):
    _, ref = reference
    run = tmp_path / 'run'
    shutil.copytree(ref, run)
    config = json.load(open(run / 'config.json'))
    edit(config)
    (run / 'config.json').write_text(json.dumps(config))
    with pytest.raises(RunDirError, match=message.replace('(', r'\(')):
        gs.load_model(str(run))
    assert train_cli.main(['--resume', str(run), '--quiet']) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith('error: ')


def test_mismatched_params_name_the_parameter(reference, tmp_path):
    _, ref = reference
    run = tmp_path / 'run'
    shutil.copytree(ref, run)
    config = json.load(open(run / 'config.json'))
    config['model_kwargs']['embed_size'] = 17
    (run / 'config.json').write_text(json.dumps(config))
    with pytest.raises(RunDirError, match=r'embedding.*shape'):
        gs.load_model(str(run))


def test_damaged_checkpoint_is_named(reference, tmp_path, capsys):
    _, ref = reference
    run = tmp_path / 'run'
    shutil.copytree(ref, run)
    (run / 'epoch-0004.states').write_bytes(b'not a pickle')
    assert train_cli.main(['--resume', str(run), '--quiet']) == 2
    assert 'epoch-0004.states: cannot load these trainer states' in capsys.readouterr().err


def test_half_written_files_of_a_killed_writer_are_ignored(reference, tmp_path):
    """What a kill in the middle of atomic_write leaves: a partial temporary file."""
    data, ref = reference
    run = tmp_path / 'run'
    shutil.copytree(ref, run)
    metrics = json.load(open(run / 'metrics.json'))
    metrics.update(status='training', history=metrics['history'][:2],
                   checkpoint={'epoch': 2, 'params': 'epoch-0002.params',
                               'states': 'epoch-0002.states'})
    (run / 'metrics.json').write_text(json.dumps(metrics))
    shutil.copy(os.path.join(ref, 'epoch-0004.states'), run / 'epoch-0002.states')  # see below
    half = (run / 'epoch-0003.params').read_bytes()[:1000]
    (run / '.epoch-0003.params.tmp4242').write_bytes(half)
    (run / '.metrics.json.tmp4242').write_text('{"history": [')
    assert rundir.temporaries(str(run)) == ['.epoch-0003.params.tmp4242', '.metrics.json.tmp4242']
    gs.load_model(str(run), params='epoch-0002.params')
    # epoch-0002.states holds epoch 4's Adam states here, so the result differs from the
    # reference; what is checked is that resuming ignores and removes the partial files
    assert train_cli.main(['--resume', str(run), '--quiet']) == 0
    assert rundir.temporaries(str(run)) == []
    assert json.load(open(run / 'metrics.json'))['status'] == 'done'


def test_new_run_ignores_temporary_files_of_a_killed_first_write(review_folder, tmp_path):
    out = tmp_path / 'run'
    out.mkdir()
    (out / '.config.json.tmp4242').write_text('{"form')
    assert _train(review_folder, out, '--epochs', '1') == 0


# --- kill -9 ----------------------------------------------------------------------------

KILLS = 20


class _Zygote:
    """tests/helpers/kill_zygote.py: forks training runs and kills them."""

    def __init__(self):
        env = {**os.environ, 'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1'}
        script = os.path.join(ROOT, 'tests', 'helpers', 'kill_zygote.py')
        self.proc = subprocess.Popen([sys.executable, script],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env, cwd=ROOT)
        assert self.proc.stdout.readline().strip() == 'ready'

    def run(self, argv, delay=None, log=None):
        self.proc.stdin.write(json.dumps({'argv': argv, 'delay': delay, 'log': log}) + '\n')
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _check_loadable(run, checked):
    """Load every checkpoint file of ``run`` changed since the last check; return how many."""
    if not os.path.exists(os.path.join(run, 'vocab.json')):
        return 0
    for name in ('config.json', 'vocab.json', 'metrics.json'):
        if os.path.exists(os.path.join(run, name)):
            rundir.read_json(os.path.join(run, name))
    loaded = 0
    for path in sorted(glob.glob(os.path.join(run, '*.params')) +
                       glob.glob(os.path.join(run, '*.states'))):
        stat = os.stat(path)
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if checked.get(path) == key:
            continue
        name = os.path.basename(path)
        if name.endswith('.states'):  # its epoch's params are written first; best may not be yet
            clf = gs.load_model(run, params=name[:-len('.states')] + '.params', hybridize=False)
            gluon.Trainer(clf.net.collect_params(), 'adam').load_states(path)
        elif name.startswith('model-'):
            gluon.SymbolBlock.imports(os.path.join(run, 'model-symbol.json'), ['data'], path)
        else:
            gs.load_model(run, params=name, hybridize=False)
        checked[path] = key
        loaded += 1
    return loaded


def test_kill_minus_9_leaves_loadable_checkpoints(tmp_path):
    texts, labels = synthetic_reviews(20)
    data = write_review_folder(tmp_path / 'reviews', texts, labels)
    # one batch per epoch, so that much of the time goes to writing checkpoints
    args = ['--data', data, '--seq-len', '30', '--embed-size', '32', '--batch-size', '32',
            '--epochs', '8', '--lr', '0.01', '--quiet']
    zygote = _Zygote()
    try:
        ref = str(tmp_path / 'ref')
        result = zygote.run(args + ['--output-dir', ref])
        assert result['status'] == 0
        span = result['seconds']
        rng = random.Random(8)
        kills, chains, loads, tmp_left = 0, 0, 0, 0
        while kills < KILLS:
            assert chains < 10 * KILLS, f'only {kills} kills in {chains} runs'
            run, checked = str(tmp_path / f'chain{chains}'), {}
            chains += 1
            for attempt in range(6):  # kill at random points and resume, then let it finish
                fresh = not os.path.exists(os.path.join(run, 'config.json'))
                argv = args + ['--output-dir', run] if fresh else ['--resume', run, '--quiet']
                delay = rng.uniform(0, span / 2) if attempt < 5 else None
                result = zygote.run(argv, delay, run + '.log')
                if not result['killed']:
                    assert result['status'] == 0, open(run + '.log').read()[-2000:]
                    break
                kills += 1
                tmp_left += bool(glob.glob(os.path.join(run, '.*.tmp*')))
                loads += _check_loadable(run, checked)  # raises if any file is damaged
            assert max_abs_diff(os.path.join(ref, 'best.params'),
                                os.path.join(run, 'best.params')) < 1e-6
            assert json.load(open(os.path.join(run, 'metrics.json')))['test_loss'] == \
                json.load(open(os.path.join(ref, 'metrics.json')))['test_loss']
    finally:
        zygote.close()
    print(f'{kills} kills in {chains} chains, {loads} checkpoint files loaded, '
          f'{tmp_left} kills left a temporary file (killed mid-write), zero unloadable')
