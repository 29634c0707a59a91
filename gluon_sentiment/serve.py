"""Command line: serve a trained model over HTTP (JSON), on FastAPI and uvicorn.

Example::

    python -m gluon_sentiment.serve --model bundles/multikernel --port 8080

The endpoints are those of :func:`gluon_sentiment.deploy.create_app`. It
listens on 127.0.0.1 unless ``--host`` says otherwise, caps request bodies at
``--max-body-bytes`` (413) and, with ``--api-key-env NAME``, answers 401 to
any request but ``GET /health`` without the bearer token held by the
environment variable ``NAME``::

    SENTIMENT_TOKEN=$(openssl rand -hex 16) python -m gluon_sentiment.serve \\
        --model bundles/multikernel --api-key-env SENTIMENT_TOKEN

MXNet's cached graphs are not thread-safe, so requests run the model one at
a time; the command restarts itself with ``OMP_NUM_THREADS=--threads``
(:func:`gluon_sentiment.threads.restart_with_threads`).
"""
import argparse
import logging
import os
import sys
from typing import List, Optional

from .cli import add_common_args, run_cli
from .deploy.server import MAX_BODY_BYTES, MAX_CHARS, MAX_TEXTS, create_app
from .errors import ConfigError
from .inference.loading import load_model
from .inference.pretrained import DEFAULT_MODEL
from .threads import restart_with_threads

__all__ = ['build_parser', 'main']

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The ``serve`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.serve',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    group = parser.add_argument_group('model')
    group.add_argument('--model', default=DEFAULT_MODEL,
                       help='run directory, bundle or ensemble, or the name of a model shipped '
                            'with the package (the IMDB model by default)')
    group = parser.add_argument_group('server')
    group.add_argument('--host', default='127.0.0.1', help='address to listen on')
    group.add_argument('--port', type=int, default=8080, help='port to listen on')
    group.add_argument('--max-texts', type=int, default=MAX_TEXTS,
                       help='most texts in one request')
    group.add_argument('--max-chars', type=int, default=MAX_CHARS,
                       help='longest text in characters')
    group.add_argument('--max-body-bytes', type=int, default=MAX_BODY_BYTES,
                       help='longest request body in bytes (413 beyond), checked before parsing')
    group.add_argument('--api-key-env', metavar='NAME', default=None,
                       help='require "Authorization: Bearer <token>" on every request but GET '
                            '/health, the token read from the environment variable NAME')
    group.add_argument('--threads', type=int, default=1,
                       help='OpenMP threads of MXNet (OMP_NUM_THREADS); requests run one at a '
                            'time, and one thread gave the lowest latency for short texts')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    if not 0 <= args.port < 65536:
        raise ConfigError(f'--port {args.port}: not a port number')
    if args.threads < 1:
        raise ConfigError(f'--threads must be at least 1, got {args.threads}')
    if args.max_body_bytes < 1:
        raise ConfigError(f'--max-body-bytes must be at least 1, got {args.max_body_bytes}')
    api_key = _api_key(args.api_key_env)
    import uvicorn  # pylint: disable=import-outside-toplevel  (the serve extra)
    clf = load_model(args.model)
    app = create_app(clf, args.max_texts, args.max_chars, max_body_bytes=args.max_body_bytes,
                     api_key=api_key)
    log.info('serving %s (%s) on http://%s:%d', args.model, clf.name, args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port,
                log_level='warning' if args.quiet else 'info', access_log=args.debug)
    return 0


def _api_key(name: Optional[str]) -> Optional[str]:
    """The bearer token in the environment variable ``name`` (None without ``name``)."""
    if name is None:
        return None
    token = os.environ.get(name, '').strip()
    if not token:
        raise ConfigError(f'--api-key-env {name}: the environment variable {name} is unset or '
                          'empty; export it with the token clients must send')
    return token


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.serve``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    # on a busy 2-core machine, one thread instead of two took the median latency of a
    # short text from 26 ms to 1.5 ms (OpenMP threads waiting for each other)
    threads, _ = build_parser().parse_known_args(sys.argv[1:])
    restart_with_threads('gluon_sentiment.serve', sys.argv[1:], threads.threads)
    sys.exit(main())
