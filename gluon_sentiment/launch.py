"""Command line: launch a data-parallel job on this machine: scheduler, servers and workers
over 127.0.0.1.

Example (one parameter server, two workers, training as ``train`` would)::

    python -m gluon_sentiment.launch -n 2 -s 1 -- --data ../shared/data/aclImdb_train.tar.gz \\
        --kvstore dist_sync --max-examples 3000 --output-dir runs/dist

The library function is :func:`gluon_sentiment.training.launch`.
"""
import argparse
import signal
import sys
from typing import List, Optional

from .cli import add_common_args, run_cli
from .training.launcher import launch

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The ``launch`` argument parser; everything after ``--`` goes to ``train``."""
    parser = argparse.ArgumentParser(
        prog='python -m gluon_sentiment.launch', description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        usage='%(prog)s [-h] -n WORKERS [-s SERVERS] [options] -- TRAIN_ARGS...')
    group = parser.add_argument_group('job')
    group.add_argument('-n', '--num-workers', type=int, required=True, help='worker processes')
    group.add_argument('-s', '--num-servers', type=int, default=1, help='parameter servers')
    group.add_argument('--port', type=int, default=None,
                       help='scheduler port on 127.0.0.1; None picks a free one')
    group.add_argument('--threads-per-worker', type=int, default=None,
                       help="each worker's OMP_NUM_THREADS; None: usable cores / workers")
    group.add_argument('--timeout', type=float, default=86400.0,
                       help='seconds the whole job may run before it is stopped as failed')
    group.add_argument('--grace', type=float, default=10.0,
                       help='seconds roles get to exit before they are killed')
    group.add_argument('--module', default='gluon_sentiment.train',
                       help='Python module each worker runs with TRAIN_ARGS')
    group.add_argument('train_args', nargs=argparse.REMAINDER,
                       help='arguments of each worker, after --')
    add_common_args(parser)
    return parser


def _terminate(signum, frame):  # SIGTERM or SIGHUP: unwind, so that launch() stops the job
    raise SystemExit(128 + signum)


def _main(args: argparse.Namespace) -> int:
    train_args = args.train_args[1:] if args.train_args[:1] == ['--'] else args.train_args
    command = [sys.executable, '-m', args.module, *train_args]
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        code = launch(command, args.num_workers, args.num_servers, port=args.port,
                      threads_per_worker=args.threads_per_worker, timeout=args.timeout,
                      grace=args.grace)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code:
        print('error: the distributed job failed (see the messages above); '
              'every process it started has been stopped', file=sys.stderr)
    return code


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.launch``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
