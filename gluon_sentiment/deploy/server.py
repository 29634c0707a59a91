"""HTTP server: sentiment of texts over JSON, on FastAPI and uvicorn.

:func:`create_app` builds the application; ``python -m gluon_sentiment.serve``
runs it with uvicorn. Endpoints:

``GET /health``
    ``{"status": "ok", "model": "multikernel", "vocab_size": 5002, "seq_len": 500}``
``POST /predict``
    Body ``{"texts": ["...", ...], "explain": false, "top_k": 5}``; answer
    ``{"model": ..., "predictions": [{"text", "label", "probabilities"
    (, "explanation")}, ...]}`` as :func:`gluon_sentiment.inference.predict_records`
    makes them.
``GET /``, ``POST /highlight``
    A page for people: a text box, the label, the probabilities and the
    text with the n-grams behind the label highlighted (see
    :mod:`gluon_sentiment.deploy.page`).

A malformed body gets 422 (or 400 for a body that is not JSON), more than
``--max-texts`` texts or a text longer than ``--max-chars`` characters gets
413, each with a ``detail`` message; the server goes on serving. Before any
parsing, :class:`~gluon_sentiment.deploy.guard.RequestGuard` answers 413 to a
body over ``max_body_bytes`` and, with an ``api_key``, 401 to any request but
``GET /health`` and ``GET /`` without ``Authorization: Bearer <api_key>``. Responses are
valid UTF-8 JSON whatever the texts hold (lone surrogates become U+FFFD); a
request gets 200 or a 4xx, never a 5xx. MXNet's
cached graphs are not thread-safe, so requests run the model one at a time.
"""
import threading
from typing import Any, Dict, List, Optional

from ..analysis.explain import explain
from ..inference.records import predict_records
from .guard import MAX_BODY_BYTES, RequestGuard, safe_json_response
from .page import HIGHLIGHT_BODY, add_page

__all__ = ['create_app', 'MAX_TEXTS', 'MAX_CHARS', 'MAX_BODY_BYTES']

MAX_TEXTS = 256
MAX_CHARS = 20000


def create_app(clf, max_texts: int = MAX_TEXTS, max_chars: int = MAX_CHARS,
               max_top_k: int = 50, max_body_bytes: int = MAX_BODY_BYTES,
               api_key: Optional[str] = None):
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
    max_body_bytes : int, default 1 MiB
        Longest request body, in bytes (413 beyond).
    api_key : str, optional
        Bearer token required by every request but ``GET /health`` and ``GET /``
        (the page, which sends the token it is given).

    Returns
    -------
    ASGI application
        The FastAPI app behind a :class:`~gluon_sentiment.deploy.guard.RequestGuard`
        (the app itself is its ``app`` attribute). Serve it with uvicorn,
        or test it with ``fastapi.testclient.TestClient``.
    """
    # pylint: disable=import-outside-toplevel
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from pydantic import BaseModel, Field, StrictStr

    class PredictRequest(BaseModel):
        """Body of ``POST /predict``."""
        texts: List[StrictStr] = Field(..., description='texts to classify')
        explain: bool = Field(False, description='add the n-grams or words behind each label')
        top_k: int = Field(5, ge=1, le=max_top_k, description='n-grams per explanation')

    JSONResponse = safe_json_response()  # pylint: disable=invalid-name
    app = FastAPI(title='gluon_sentiment', description=__doc__.split('\n')[0],
                  default_response_class=JSONResponse)
    lock = threading.Lock()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(err.get('type') == 'json_invalid' for err in errors):
            return JSONResponse(status_code=400, content={
                'detail': 'the body is not valid JSON; send {"texts": ["..."]}'})
        parts = [f'{".".join(str(p) for p in err.get("loc", ()))}: {err.get("msg")}'
                 for err in errors]
        expected = (HIGHLIGHT_BODY if request.url.path == '/highlight' else
                    '{"texts": [str, ...], "explain": bool, "top_k": int}')
        return JSONResponse(status_code=422, content={
            'detail': f'expected {expected}; ' + '; '.join(parts)})

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
            explainer = (lambda texts: explain(clf, texts, body.top_k)) if body.explain else None
            records = predict_records(clf, body.texts, explainer)
        return {'model': clf.name, 'predictions': records}

    add_page(app, clf, lock, max_chars, max_top_k)
    return RequestGuard(app, max_body_bytes, api_key)
