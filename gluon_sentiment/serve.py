"""HTTP server: sentiment of texts over JSON, on FastAPI and uvicorn.

Command line::

    python -m gluon_sentiment.serve --model bundles/multikernel --port 8080

Endpoints:

``GET /health``
    ``{"status": "ok", "model": "multikernel", "vocab_size": 5002, "seq_len": 500}``
``POST /predict``
    Body ``{"texts": ["...", ...], "explain": false, "top_k": 5}``; answer
    ``{"model": ..., "predictions": [{"text", "label", "probabilities"
    (, "explanation")}, ...]}`` as :func:`gluon_sentiment.inference.predict_records`
    makes them.

A malformed body gets 422 (or 400 for a body that is not JSON), more than
``--max-texts`` texts or a text longer than ``--max-chars`` characters gets
413, each with a ``detail`` message; the server goes on serving. MXNet's
cached graphs are not thread-safe, so requests run the model one at a time.
"""
import argparse
import logging
import os
import sys
import threading
from typing import Any, Dict, List, Optional

from .cli import add_common_args, run_cli
from .errors import ConfigError

__all__ = ['create_app', 'build_parser', 'main', 'MAX_TEXTS', 'MAX_CHARS']

log = logging.getLogger(__name__)

MAX_TEXTS = 256
MAX_CHARS = 20000


def create_app(clf, max_texts: int = MAX_TEXTS, max_chars: int = MAX_CHARS,
               max_top_k: int = 50):
    """The FastAPI application serving ``clf``.

    Parameters
    ----------
    clf : SentimentClassifier
        The loaded model (see :func:`gluon_sentiment.load_model`).
    max_texts : int, default 256
        Most texts in one request.
    max_chars : int, default 20000
        Longest text, in characters.
    max_top_k : int, default 50
        Largest ``top_k`` for explanations.

    Returns
    -------
    fastapi.FastAPI
        Serve it with uvicorn, or test it with ``fastapi.testclient.TestClient``.
    """
    # pylint: disable=import-outside-toplevel
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field, StrictStr

    from .inference import predict_records

    class PredictRequest(BaseModel):
        """Body of ``POST /predict``."""
        texts: List[StrictStr] = Field(..., description='texts to classify')
        explain: bool = Field(False, description='add the n-grams or words behind each label')
        top_k: int = Field(5, ge=1, le=max_top_k, description='n-grams per explanation')

    app = FastAPI(title='gluon_sentiment', description=__doc__.split('\n')[0])
    lock = threading.Lock()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):  # noqa: ARG001
        errors = exc.errors()
        if any(err.get('type') == 'json_invalid' for err in errors):
            return JSONResponse(status_code=400, content={
                'detail': 'the body is not valid JSON; send {"texts": ["..."]}'})
        parts = [f'{".".join(str(p) for p in err.get("loc", ()))}: {err.get("msg")}'
                 for err in errors]
        return JSONResponse(status_code=422, content={
            'detail': 'expected {"texts": [str, ...], "explain": bool, "top_k": int}; '
                      + '; '.join(parts)})

    @app.get('/health')
    def health() -> Dict[str, Any]:
        return {'status': 'ok', 'model': clf.name, 'vocab_size': len(clf.vocab),
                'seq_len': clf.seq_len}

    @app.post('/predict')
    def predict(body: PredictRequest) -> Dict[str, Any]:
        if len(body.texts) > max_texts:
            raise HTTPException(413, f'{len(body.texts)} texts in one request; at most '
                                     f'{max_texts} are allowed, send them in several requests')
        for i, text in enumerate(body.texts):
            if len(text) > max_chars:
                raise HTTPException(413, f'texts[{i}] has {len(text)} characters; at most '
                                         f'{max_chars} are allowed')
        with lock:
            records = predict_records(clf, body.texts, body.top_k if body.explain else 0)
        return {'model': clf.name, 'predictions': records}

    return app


def build_parser() -> argparse.ArgumentParser:
    """The ``serve`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.serve',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    group = parser.add_argument_group('model')
    group.add_argument('--model', required=True,
                       help='run directory of a training run, or an exported bundle')
    group = parser.add_argument_group('server')
    group.add_argument('--host', default='127.0.0.1', help='address to listen on')
    group.add_argument('--port', type=int, default=8080, help='port to listen on')
    group.add_argument('--max-texts', type=int, default=MAX_TEXTS,
                       help='most texts in one request')
    group.add_argument('--max-chars', type=int, default=MAX_CHARS,
                       help='longest text in characters')
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
    import uvicorn  # pylint: disable=import-outside-toplevel

    from .predictor import load_model
    clf = load_model(args.model)
    app = create_app(clf, args.max_texts, args.max_chars)
    log.info('serving %s (%s) on http://%s:%d', args.model, clf.name, args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port,
                log_level='warning' if args.quiet else 'info', access_log=args.debug)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.serve``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


def _exec_with_threads(argv: List[str]) -> None:
    """Restart this command with ``OMP_NUM_THREADS=--threads`` unless already so.

    MXNet reads the variable once, when it loads, and importing this package
    has loaded it; a fresh process is the only way to change it. On a busy
    2-core machine, one thread instead of two took the median latency of a
    short text from 26 ms to 1.5 ms (OpenMP threads waiting for each other).
    """
    args, _ = build_parser().parse_known_args(argv)
    if args.threads >= 1 and os.environ.get('OMP_NUM_THREADS') != str(args.threads):
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        os.execve(sys.executable, [sys.executable, '-m', 'gluon_sentiment.serve'] + argv, env)


if __name__ == '__main__':
    _exec_with_threads(sys.argv[1:])
    sys.exit(main())
