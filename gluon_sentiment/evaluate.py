"""Command line: evaluate a trained run on labelled data of any supported format.

Example::

    python -m gluon_sentiment.evaluate --model runs/multikernel --data reviews.csv \\
        --text-column review --label-column sentiment --labels negative,positive

prints the report of :func:`gluon_sentiment.analysis.evaluate_run` (accuracy,
precision, recall, F1, ROC-AUC, confusion
matrix, the most confidently wrong examples) as JSON and writes it, with a
confusion-matrix PNG, to ``--out``.
"""
import argparse
import dataclasses
import json
import sys
from typing import List, Optional

from .analysis.evaluation import evaluate_run
from .cli import add_common_args, run_cli
from .data.config import READ_FIELDS, DataConfig
from .inference.pretrained import DEFAULT_MODEL

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The ``evaluate`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.evaluate',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--model', default=DEFAULT_MODEL,
                        help='run directory, bundle or ensemble, or the name of a model shipped '
                             'with the package (the IMDB model by default)')
    group = parser.add_argument_group('data')
    group.add_argument('--data', required=True, help='labelled dataset: IMDB folder or archive, '
                       'class folders, CSV/TSV/JSONL or one-text-per-line class files')
    for field in dataclasses.fields(DataConfig):  # the flags train has for reading data
        if field.name in READ_FIELDS:
            group.add_argument('--' + field.name.replace('_', '-'), default=field.default,
                               help=field.metadata['help'], choices=field.metadata.get('choices'))
    out = parser.add_argument_group('report')
    out.add_argument('--out', default=None,
                     help='folder for evaluation.json and confusion_matrix.png '
                          '(default: MODEL/eval-<data name>; ./eval-<name>-<data name> for a '
                          'pretrained model)')
    out.add_argument('--top-errors', type=int, default=10,
                     help='how many confidently wrong examples to list')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    read = DataConfig(data=args.data, **{name: getattr(args, name) for name in READ_FIELDS})
    report = evaluate_run(args.model, read, args.out, top_errors=args.top_errors)
    print(json.dumps(report, indent=2))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.evaluate``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
