"""Command line: export a trained run as a self-contained bundle, optionally with an ONNX model.

Example::

    python -m gluon_sentiment.export --model runs/multikernel --out bundles/multikernel --onnx

The library function is :func:`gluon_sentiment.deploy.export_bundle`; the
files are described in :mod:`gluon_sentiment.artifacts.bundle`.
"""
import argparse
import json
import sys
from typing import List, Optional

from .artifacts.store import BEST_PARAMS
from .cli import add_common_args, run_cli
from .deploy.bundle import export_bundle
from .inference.pretrained import DEFAULT_MODEL

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The ``export`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.export',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    group = parser.add_argument_group('export')
    group.add_argument('--model', default=DEFAULT_MODEL,
                       help='run directory, or the name of a model shipped with the package '
                            '(the IMDB model by default)')
    group.add_argument('--out', required=True, help='bundle folder to write')
    group.add_argument('--params', default=BEST_PARAMS,
                       help='parameter file of the run to export')
    group.add_argument('--onnx', action='store_true',
                       help='also write model.onnx, checked against MXNet with onnxruntime')
    group.add_argument('--overwrite', action='store_true',
                       help='replace a folder that holds files other than a bundle')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    manifest = export_bundle(args.model, args.out, onnx=args.onnx, params=args.params,
                             overwrite=args.overwrite)
    print(json.dumps({'out': args.out, 'model': manifest['model'],
                      'size_bytes': manifest['size_bytes'],
                      'files': sorted(manifest['files'].values())}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.export``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
