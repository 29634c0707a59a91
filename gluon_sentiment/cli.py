"""Shared command-line plumbing: logging and one-line errors for user mistakes."""
import argparse
import logging
import sys
from typing import Callable, List, Optional

from .errors import GluonSentimentError

__all__ = ['add_common_args', 'run_cli']


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--debug`` and ``--quiet`` to a command's parser."""
    group = parser.add_argument_group('output')
    group.add_argument('--debug', action='store_true',
                       help='show full tracebacks and debug logging')
    group.add_argument('--quiet', action='store_true', help='log warnings and errors only')


def run_cli(main: Callable[[argparse.Namespace], int], parser: argparse.ArgumentParser,
            argv: Optional[List[str]] = None) -> int:
    """Parse ``argv``, set up logging and run ``main(args)``.

    A :class:`GluonSentimentError` is printed as ``error: MESSAGE`` on one
    line and gives its ``exit_status`` (2, or 128 + the signal for an
    interrupted training); ``--debug`` shows its traceback instead.
    """
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format='%(asctime)s %(levelname)s %(message)s',
                        datefmt='%H:%M:%S', force=True)
    try:
        return main(args)
    except GluonSentimentError as err:
        if args.debug:
            raise
        print(f'error: {err}', file=sys.stderr)
        return err.exit_status
