"""Command line: classify texts with a trained run.

Example::

    python -m gluon_sentiment.predict --model runs/multikernel "the movie was awesome. Loved it"

prints one line per text: the label, P(negative), P(positive) and the text.
"""
import argparse
import sys
from typing import List, Optional

from .cli import add_common_args, run_cli

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The ``predict`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.predict',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--model', required=True, help='run directory of a training run')
    parser.add_argument('texts', nargs='+', help='texts to classify')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    from .predictor import LABELS, load_model
    clf = load_model(args.model)
    probs = clf.predict_proba(args.texts)
    for text, (neg, pos) in zip(args.texts, probs):
        label = LABELS[int(pos > neg)]
        print(f'{label}\tnegative={neg:.4f}\tpositive={pos:.4f}\t{text}')
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.predict``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
