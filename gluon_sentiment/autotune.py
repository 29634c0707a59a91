"""Command line: search for the best model for your data within a time budget (Optuna).

Example::

    python -m gluon_sentiment.autotune --data ../shared/data/aclImdb_train.tar.gz \\
        --time-budget 10m --output-dir runs/auto
    python -m gluon_sentiment.autotune --resume runs/auto --time-budget 5m   # go on searching

The output folder loads with ``gluon_sentiment.load_model`` like a training
run and holds the study: ``trials.csv``, the optimization-history and
parameter-importance pictures, ``best_command.txt`` (the ``train`` command
of the best run) and ``study.db``. This module only parses and calls
:func:`gluon_sentiment.tuning.autotune`.
"""
import argparse
import dataclasses
import json
import sys
from typing import List, Optional

from .cli import add_common_args, run_cli
from .data.config import DataConfig
from .errors import ConfigError
from .tuning import (SELECT_METRICS, AutotuneOptions, autotune, load_options,
                              parse_duration, parse_size)

__all__ = ['build_parser', 'main']

_DATA_FLAGS = ('data', 'test_data', 'format', 'labels', 'text_column', 'label_column',
               'max_examples', 'protocol', 'full_val_size')
_DEFAULTS = AutotuneOptions(data='', output_dir='')


def _add_data_flags(group) -> None:
    """The data flags of ``train``, with ``train``'s help (from DataConfig's fields)."""
    fields = {f.name: f for f in dataclasses.fields(DataConfig)}
    for name in _DATA_FLAGS:
        meta, kind = fields[name].metadata, type(getattr(_DEFAULTS, name, None))
        kind = {'max_examples': int, 'full_val_size': float}.get(name, str if kind is type(None)
                                                                  else kind)
        group.add_argument('--' + name.replace('_', '-'), type=kind,
                           default=None if name == 'data' else getattr(_DEFAULTS, name),
                           help=meta['help'],
                           choices=meta.get('choices'))


def build_parser() -> argparse.ArgumentParser:
    """The ``autotune`` argument parser."""
    parser = argparse.ArgumentParser(
        prog='python -m gluon_sentiment.autotune', description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _add_data_flags(parser.add_argument_group('data'))
    search = parser.add_argument_group('search')
    search.add_argument('--time-budget', default='10m',
                        help='wall time of the whole search, e.g. 10m, 90s, 1h30m')
    search.add_argument('--select-metric', default='accuracy',
                        help=f'validation metric to maximize: {" or ".join(SELECT_METRICS)}')
    search.add_argument('--max-size', default=None,
                        help='largest saved model (the files load_model reads), e.g. 20MB, 500kB')
    search.add_argument('--seed', type=int, default=0, help='seed of the sampler and the trials')
    search.add_argument('--max-epochs', type=int, default=_DEFAULTS.max_epochs,
                        help='most epochs a trial draws')
    search.add_argument('--n-trials', type=int, default=None,
                        help='stop after this many trials (default: when the budget is spent)')
    search.add_argument('--n-jobs', type=int, default=1,
                        help='processes searching the same study on this machine')
    search.add_argument('--storage', default=None,
                        help="Optuna storage URL shared by several machines, e.g. "
                             "'postgresql://host/db' (default: sqlite in --output-dir)")
    out = parser.add_argument_group('output')
    out.add_argument('--output-dir', default='autotune', help='folder of the best model and study')
    out.add_argument('--overwrite', action='store_true',
                     help='replace an earlier autotune output in --output-dir')
    out.add_argument('--resume', metavar='DIR', default=None,
                     help='continue the study in DIR with its saved options (give --time-budget, '
                          '--n-jobs, --n-trials or --test-data to change those)')
    add_common_args(parser)
    return parser


def _options(args: argparse.Namespace) -> AutotuneOptions:
    budget = parse_duration(args.time_budget)
    common = dict(time_budget=budget, n_jobs=args.n_jobs, max_trials=args.n_trials)
    if args.resume is not None:
        extra = {'test_data': args.test_data} if args.test_data else {}
        return load_options(args.resume, **common, **extra)
    if args.data is None:
        raise ConfigError('--data PATH is required: the labelled reviews to search on')
    if args.select_metric not in SELECT_METRICS:
        raise ConfigError(f'--select-metric {args.select_metric!r}: unknown; choose one of '
                          f'{", ".join(SELECT_METRICS)}')
    data = {name: getattr(args, name) for name in _DATA_FLAGS}
    return AutotuneOptions(**data, **common, output_dir=args.output_dir, overwrite=args.overwrite,
                           select_metric=args.select_metric, seed=args.seed,
                           max_size=None if args.max_size is None else parse_size(args.max_size),
                           max_epochs=args.max_epochs, storage=args.storage)


def _main(args: argparse.Namespace) -> int:
    report = autotune(_options(args), resume=args.resume is not None)
    keys = ('best_trial', 'family', 'value', 'val_accuracy', 'test_accuracy', 'size_bytes',
            'seconds', 'trials')
    print(json.dumps({'output_dir': args.resume or args.output_dir,
                      'select_metric': report['select_metric'],
                      **{key: report[key] for key in keys if key in report}}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.autotune``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
