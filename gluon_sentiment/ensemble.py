"""Command line: combine trained runs (or bundles) into an ensemble that averages their probabilities.

Example::

    python -m gluon_sentiment.ensemble --models runs/ngram runs/multikernel --out runs/ens \\
        --weights 2,1

The library function is :func:`gluon_sentiment.inference.create_ensemble`;
:func:`gluon_sentiment.load_model` loads the folder.
"""
import argparse
import json
import sys
from typing import List, Optional

from .cli import add_common_args, run_cli
from .errors import ConfigError
from .inference.ensemble import create_ensemble

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The ``ensemble`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.ensemble',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--models', nargs='+', required=True,
                        help='run directories (or exported bundles) of the members')
    parser.add_argument('--out', required=True, help='ensemble folder to write')
    parser.add_argument('--weights', default=None,
                        help='comma-separated weight per member (default: equal)')
    parser.add_argument('--overwrite', action='store_true', help='replace an existing ensemble')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    weights = None
    if args.weights:
        try:
            weights = [float(w) for w in args.weights.split(',')]
        except ValueError:
            raise ConfigError(f'--weights {args.weights}: expected numbers such as 1,1,2') from None
        if len(weights) != len(args.models):
            raise ConfigError(f'--weights: {len(weights)} weights for {len(args.models)} models')
    try:
        spec = create_ensemble(args.models, args.out, weights, args.overwrite)
    except ValueError as err:
        raise ConfigError(f'--weights: {err}') from None
    print(json.dumps({'out': args.out, 'members': spec['members']}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.ensemble``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
