"""Command line: compress a run, bundle or ensemble to a size; it loads like any model.

Example::

    python -m gluon_sentiment.compress --model runs/fast --out runs/fast-15mb --max-size 15MB

An n-gram model is folded into its score table and its least important
rows are left out until the folder fits; other models get int8 embedding
rows and float16 elsewhere where that keeps the validation accuracy. The
accuracy and log-loss on the run's validation split, before and after, are
in ``OUT/compression.json``. The library function is
:func:`gluon_sentiment.deploy.compress.compress_model`.
"""
import argparse
import json
import sys
from typing import List, Optional

from .cli import add_common_args, run_cli
from .deploy.compress import compress_model

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The ``compress`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.compress',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    group = parser.add_argument_group('compress')
    group.add_argument('--model', required=True,
                       help='run directory, bundle or ensemble to compress (only read)')
    group.add_argument('--out', required=True, help='folder to write: a compact run or ensemble')
    group.add_argument('--max-size', required=True,
                       help='most bytes the whole --out folder may hold: 20MB, 15MiB, 800KB '
                            '(KB/MB/GB powers of 1000, KiB/MiB/GiB of 1024), or bytes')
    group.add_argument('--data', default=None,
                       help="the run's training data, when its config.json names another path "
                            '(the validation split is re-derived from it; without data the '
                            'accuracy is not measured)')
    group.add_argument('--overwrite', action='store_true', help='replace an existing --out')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    report = compress_model(args.model, args.out, args.max_size, data=args.data,
                            overwrite=args.overwrite)
    validation = report['validation']
    print(json.dumps({'out': args.out, 'size_bytes': report['size_bytes'],
                      'source_bytes': report['source_bytes'], 'seconds': report['seconds'],
                      'before': validation.get('before'), 'after': validation.get('after'),
                      'note': validation.get('note')}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.compress``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
