"""Peak resident memory (RSS) of the package's trainings, each in a child process of its own.

    python benchmarks/bench_memory.py --data ../shared/data/aclImdb_train.tar.gz \\
        [--only fast,default] [--epochs 1] [--stages] [--quick]

Each training of :data:`TRAININGS` runs in a fresh ``python`` process, which
trains exactly as ``python -m gluon_sentiment.train`` does with the same
flags (a :class:`~gluon_sentiment.training.TrainConfig` of those fields,
through :func:`~gluon_sentiment.training.run_training`); the parent reads the
child's peak RSS from ``os.wait4`` (``ru_maxrss``, what ``/usr/bin/time -v``
prints as "Maximum resident set size"). The trainings:

* ``fast``: ``examples/train_fast.py`` (``FAST_NGRAM``, ``--protocol full``);
* ``default``: ``train`` with every default (``multikernel``, tutorial split);
* ``ngram``: README's n-gram recipe (``--model ngram --vocab-size 100000
  --seq-len 1000 --epochs 5 --lr 5e-3 --protocol full``);
* ``best-ngram``, ``best-glove``: the members of ``train_best``
  (``BEST_MEMBERS``, ``--protocol full``).

Two whole pipelines run only when ``--only`` names them (:data:`PIPELINES`):
``best``, ``examples/train_best.py`` (both members one after the other, then
their combination, in one process), and ``autotune``, ``python -m
gluon_sentiment.autotune --time-budget T`` (``--time-budget``, default 3m;
every trial in one process).

``--epochs N`` trains every one N epochs, for a quicker figure: the n-gram
trainings' peak is flat from the second epoch on, the CNNs' still grows a
little with each epoch (the per-call peaks of ``--stages`` show it).
``--stages`` also runs a probe in the child: before and
after each stage of the run (reading, encoding, the naive-Bayes counts,
building, each epoch's training, evaluation, best-epoch snapshot and
checkpoint, the final steps) the kernel's high-water mark (``VmHWM``) is
read and reset (``/proc/self/clear_refs``), which gives each stage's exact
peak, printed as a table per training. ``--quick`` trains each on 200
reviews for one epoch with 2^14 hash rows (a smoke test). The last line is
JSON: per training its peak RSS in MB, seconds, validation (and test)
accuracy, and with ``--stages`` the stages.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from gluon_sentiment.training.recipes import BEST_MEMBERS, FAST_NGRAM  # noqa: E402

#: name -> TrainConfig fields of each measured training (beyond ``data`` and ``output_dir``).
TRAININGS: Dict[str, Dict[str, Any]] = {
    'fast': {**FAST_NGRAM, 'protocol': 'full'},
    'default': {},
    'ngram': dict(model='ngram', vocab_size=100000, seq_len=1000, epochs=5, lr=5e-3,
                  protocol='full'),
    **{f'best-{name.split("-")[-1]}': {**fields, 'protocol': 'full'}
       for name, _, fields in BEST_MEMBERS},
}
#: Whole pipelines, measured only when ``--only`` names them: train_best and autotune.
PIPELINES = ('best', 'autotune')
#: What ``--quick`` changes in every training: a few reviews, one epoch, a small table.
QUICK = {'max_examples': 200, 'epochs': 1}
QUICK_BUCKETS = 2 ** 14
MB = 1e6


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True, help='labelled training reviews')
    parser.add_argument('--only', default=','.join(TRAININGS),
                        help='trainings to measure, comma-separated, of '
                             f'{", ".join(tuple(TRAININGS) + PIPELINES)}')
    parser.add_argument('--time-budget', default='3m', help="autotune's budget (--only autotune)")
    parser.add_argument('--epochs', type=int, default=None,
                        help='epochs of every training (default: its own)')
    parser.add_argument('--embedding', default=None,
                        help="vectors of the GloVe member (default: its own, glove.6B.50d)")
    parser.add_argument('--stages', action='store_true', help="each stage's peak, in the child")
    parser.add_argument('--quick', action='store_true',
                        help='200 reviews, one epoch, 2^14 hash rows (smoke test)')
    parser.add_argument('--child', default=None, help=argparse.SUPPRESS)
    return parser


def training_fields(name: str, args: argparse.Namespace,
                    fields: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """TrainConfig fields of the training ``name`` (or ``fields``) under ``args`` (``--epochs``,
    ``--quick``)."""
    fields = dict(TRAININGS[name] if fields is None else fields)
    if args.epochs:
        fields['epochs'] = args.epochs
    if args.embedding and fields.get('embedding'):
        fields['embedding'] = args.embedding
    if args.quick:
        fields.update(QUICK)
        if fields.get('model') == 'ngram':
            fields.update(vocab_size=2000, model_args=json.dumps({'num_buckets': QUICK_BUCKETS}))
    return fields


# --- the child: one training, optionally probed stage by stage --------------------------------

def _hwm_bytes() -> int:
    with open('/proc/self/status', encoding='ascii') as f:
        return int(re.search(r'VmHWM:\s+(\d+) kB', f.read()).group(1)) * 1024


def _rss_bytes() -> int:
    with open('/proc/self/status', encoding='ascii') as f:
        return int(re.search(r'VmRSS:\s+(\d+) kB', f.read()).group(1)) * 1024


class StageProbe:
    """Exact peak RSS of nested stages: the high-water mark is read and reset at every boundary."""

    def __init__(self):
        self.peak = 0
        self.rows: Dict[str, Dict[str, float]] = {}
        self._open: List[list] = []

    def mark(self) -> None:
        """Fold the high-water mark since the last mark into the open stages, then reset it."""
        hwm = _hwm_bytes()
        self.peak = max(self.peak, hwm)
        for entry in self._open:
            entry[1] = max(entry[1], hwm)
        with open('/proc/self/clear_refs', 'w', encoding='ascii') as f:
            f.write('5')

    def wrap(self, name: str, fn: Callable) -> Callable:
        """``fn`` recording its calls' peak and the RSS before and after under ``name``."""
        def probed(*args, **kwargs):
            self.mark()
            entry = [name, 0]
            row = self.rows.setdefault(name, {'calls': 0, 'before_mb': _rss_bytes() / MB,
                                              'peak_mb': 0.0})
            self._open.append(entry)
            try:
                return fn(*args, **kwargs)
            finally:
                self.mark()
                self._open.remove(entry)
                row['calls'] += 1
                row['peak_mb'] = max(row['peak_mb'], entry[1] / MB)
                row.setdefault('peaks_mb', []).append(round(entry[1] / MB, 1))
                row['after_mb'] = _rss_bytes() / MB
        return probed

    def install(self) -> None:
        """Wrap the stages of a training run (module attributes the run looks up when called)."""
        from mxnet import gluon
        from gluon_sentiment.artifacts import rundir
        from gluon_sentiment.data import pipeline
        from gluon_sentiment.model import ngram
        from gluon_sentiment.training import checkpoint, fit, handlers, recipes
        from gluon_sentiment.tuning import study
        targets = [(fit, 'load_pretrained', 'pretrained vectors'),
                   (pipeline, 'read_splits', 'read + split'),
                   (pipeline, 'encode_corpus', 'tokenize + encode'),
                   (fit, 'prepare', 'prepare (data, run folder)'),
                   (ngram, 'nb_log_count_ratio', 'naive-Bayes counts'),
                   (fit, 'build_net', 'build network'), (fit, 'make_trainer', 'trainer'),
                   (fit, 'build', 'build'), (fit, 'train_batches', 'train epoch'),
                   (fit, '_evaluate', 'evaluate'), (handlers.BestEpoch, 'epoch_end',
                                                    'best-epoch snapshot'),
                   (handlers, 'save_epoch', 'checkpoint'),
                   (gluon.Block, 'save_parameters', 'save parameters (MXNet)'),
                   (checkpoint, 'save_parameters', 'save parameters'),
                   (rundir, 'save_parameters', 'save parameters'),
                   (gluon.Trainer, 'save_states', 'save trainer states (MXNet)'),
                   (checkpoint, 'save_trainer_states', 'save trainer states'),
                   (fit, 'fit', 'fit (all epochs)'), (fit, 'calibrate_run', 'calibrate'),
                   (rundir, 'export_symbol', 'export graph'), (fit, 'finish', 'finish'),
                   (recipes, '_train_member', 'train_best: member'),
                   (recipes, '_combine', 'train_best: combine members'),
                   (study._Tuner, '_train', 'autotune: trial')]
        for owner, attr, name in targets:
            if hasattr(owner, attr):  # (an older tree may lack one: measured before and after)
                setattr(owner, attr, self.wrap(name, getattr(owner, attr)))


def pipeline_spec(name: str, args: argparse.Namespace) -> Dict[str, Any]:
    """What the child of the pipeline ``name`` runs: ``train_best``'s members, autotune's options."""
    if name == 'best':
        return {'members': [(member, weight, training_fields(name, args, fields))
                            for member, weight, fields in BEST_MEMBERS]}
    return {'time_budget': args.time_budget,
            'max_examples': QUICK['max_examples'] if args.quick else None}


def _run_pipeline(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Run ``spec['pipeline']`` on ``spec['fields']['data']``: its metrics."""
    data, out = spec['fields']['data'], spec['fields']['output_dir']
    if spec['pipeline'] == 'best':
        from gluon_sentiment.training.recipes import train_best
        members = [tuple(member) for member in spec['run']['members']]
        return {**train_best(data, out, overwrite=True, members=members), 'best_epoch': None}
    from gluon_sentiment.tuning import AutotuneOptions, autotune, parse_duration
    report = autotune(AutotuneOptions(
        data=data, output_dir=out, overwrite=True, max_examples=spec['run']['max_examples'],
        time_budget=parse_duration(spec['run']['time_budget'])))
    return {**report, 'best_epoch': None}


def run_child(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Train ``spec['fields']`` or run ``spec['pipeline']`` (with ``spec['stages']``, probed):
    the child's JSON report."""
    probe = StageProbe() if spec['stages'] else None
    if probe is not None:
        probe.install()
    from gluon_sentiment.training.config import TrainConfig
    from gluon_sentiment.training.fit import run_training
    start = time.perf_counter()
    metrics = (_run_pipeline(spec) if spec.get('pipeline')
               else run_training(TrainConfig(**spec['fields'])))
    report = {'seconds': time.perf_counter() - start, 'val_accuracy': metrics['val_accuracy'],
              'test_accuracy': metrics.get('test_accuracy'), 'best_epoch': metrics['best_epoch']}
    if probe is not None:
        probe.mark()
        report.update(peak_mb=probe.peak / MB, stages=probe.rows)
    return report


# --- the parent ---------------------------------------------------------------------------------

def measure(name: str, fields: Dict[str, Any], stages: bool, workdir: str,
            pipeline: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Train ``fields`` (or run the pipeline ``name`` as ``pipeline`` says) in a child process:
    its report, with ``peak_rss_mb`` from ``wait4``."""
    spec = {'fields': {**fields, 'output_dir': os.path.join(workdir, name), 'overwrite': True},
            'stages': stages, 'pipeline': name if pipeline is not None else None,
            'run': pipeline}
    env = {**os.environ, 'PYTHONPATH': ROOT + os.pathsep + os.environ.get('PYTHONPATH', '')}
    out = os.path.join(workdir, f'{name}.json')
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--data', fields['data'],
                             '--child', json.dumps({**spec, 'report': out})], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f'training {name!r} failed (exit status {proc.returncode})')
    with open(out, encoding='utf-8') as f:
        report = json.load(f)
    # ru_maxrss is in kB on Linux; the probe resets the mark, so it keeps its own peak
    report['peak_rss_mb'] = report.pop('peak_mb', None) or usage.ru_maxrss * 1024 / MB
    return report


def _print_stages(name: str, stages: Dict[str, Dict[str, float]]) -> None:
    print(f'  {name}: stage                       calls  before MB   peak MB   after MB')
    for stage, row in stages.items():
        print(f'    {stage:34s} {row["calls"]:4d} {row["before_mb"]:10.0f} {row["peak_mb"]:9.0f} '
              f'{row["after_mb"]:10.0f}')


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.child:
        spec = json.loads(args.child)
        report = run_child(spec)
        with open(spec['report'], 'w', encoding='utf-8') as f:
            json.dump(report, f)
        return 0
    names = [n for n in args.only.split(',') if n]
    unknown = [n for n in names if n not in tuple(TRAININGS) + PIPELINES]
    if unknown:
        raise SystemExit(f'--only {unknown[0]}: not a training here; choose of '
                         f'{", ".join(tuple(TRAININGS) + PIPELINES)}')
    results = {}
    with tempfile.TemporaryDirectory(prefix='bench_memory_') as workdir:
        for name in names:
            if name in PIPELINES:
                report = measure(name, {'data': args.data}, args.stages, workdir,
                                 pipeline_spec(name, args))
            else:
                fields = {**training_fields(name, args), 'data': args.data}
                report = measure(name, fields, args.stages, workdir)
            results[name] = report
            print(f'{name:12s} peak RSS {report["peak_rss_mb"]:7.0f} MB  '
                  f'{report["seconds"]:6.1f} s  val acc {report["val_accuracy"]:.4f}', flush=True)
            if args.stages:
                _print_stages(name, report['stages'])
    load = os.getloadavg()
    print(json.dumps({'quick': args.quick, 'epochs': args.epochs, 'load_average': list(load),
                      'trainings': {name: {key: value for key, value in report.items()}
                                    for name, report in results.items()}}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
