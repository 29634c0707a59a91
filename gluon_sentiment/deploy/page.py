"""The browser page of ``serve``: ``GET /`` and the ``POST /highlight`` it calls.

``GET /``
    A small HTML page (``page.html`` beside this module, package data): a
    text box, the label and every probability of the record (any number of
    classes), and the text with the n-grams (or words) of its explanation
    highlighted, green for a positive score, red for a negative one. Plain
    HTML and vanilla JavaScript, nothing loaded from elsewhere; the
    ``Content-Security-Policy`` allows only the page's own inline script and
    style (by hash) and requests to this server. User text is only ever set
    as ``textContent``, never parsed as markup. The page is public even with
    a bearer token (it holds no data); it has a field for the token, which it
    sends with its requests.
``POST /highlight``
    Body ``{"text": "...", "top_k": 5}``; answer ``{"model", "prediction":
    <the record POST /predict gives with "explain": true>, "segments": [{"text",
    "score", "ngram", "read"}, ...], "note"}``. The segments cut the text as
    it was sent, so joined they give it back: a segment with a ``score`` is a
    top n-gram of the explanation (``ngram``, as the model saw it), and
    ``read`` is false for text the model cut off (beyond ``seq_len``).

Highlights lie on the raw text, not on the model's tokens: the explanation's
``start`` and ``width`` index the tokens the model read, and
:func:`gluon_sentiment.data.text.token_spans` says where each token lies in
the text, exactly (brackets, contractions, ``<br />`` and non-ASCII letters
included). The offsets stay in Python; the page only joins segment strings.
"""
import base64
import functools
import hashlib
import importlib.resources
import re
from typing import Any, Dict, List, Optional

from ..analysis.explain import explain
from ..data.text import token_spans
from ..errors import ConfigError
from ..inference.records import predict_records

__all__ = ['page_html', 'page_headers', 'highlight_segments', 'add_page', 'HIGHLIGHT_BODY']

#: what ``POST /highlight`` expects, as its 422 answers say
HIGHLIGHT_BODY = '{"text": str, "top_k": int}'

_INLINE = re.compile(r'<(script|style)>(.*?)</\1>', re.DOTALL)


@functools.lru_cache(maxsize=None)
def page_html() -> str:
    """The page's HTML, read once from the package data file ``page.html``."""
    return importlib.resources.files(__package__).joinpath('page.html').read_text('utf-8')


def page_headers(html: str) -> Dict[str, str]:
    """Security headers of the page: a CSP that allows only its own inline script and style.

    Parameters
    ----------
    html : str
        The page; each inline ``<script>`` and ``<style>`` block is allowed by
        its SHA-256 hash, nothing else runs or styles it.

    Returns
    -------
    dict
        ``Content-Security-Policy``, ``X-Content-Type-Options`` and
        ``Referrer-Policy`` headers.
    """
    hashes: Dict[str, List[str]] = {'script': [], 'style': []}
    for tag, body in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode('utf-8')).digest()).decode()
        hashes[tag].append(f"'sha256-{digest}'")
    policy = ("default-src 'none'; script-src " + ' '.join(hashes['script'])
              + '; style-src ' + ' '.join(hashes['style'])
              + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'")
    return {'Content-Security-Policy': policy, 'X-Content-Type-Options': 'nosniff',
            'Referrer-Policy': 'no-referrer'}


def highlight_segments(text: str, explanation: Optional[Dict[str, Any]], seq_len: int,
                       truncate: str = 'post') -> List[Dict[str, Any]]:
    """Cut ``text`` into plain and highlighted pieces from its explanation.

    Parameters
    ----------
    text : str
        The text as classified.
    explanation : dict, optional
        What :func:`gluon_sentiment.analysis.explain` returned for it: its
        ``top`` items ``{'ngram', 'start', 'width', 'score'}`` index the
        tokens the model read. Without it nothing is highlighted.
    seq_len : int
        Tokens the model reads (the classifier's ``seq_len``).
    truncate : {'post', 'pre'}
        Which end of a longer text the model kept.

    Returns
    -------
    list of dict
        ``{'text', 'score', 'ngram', 'read'}`` in order; the texts joined are
        ``text``. Where n-grams overlap, a token goes to the one of largest
        absolute score; ``score`` and ``ngram`` are None outside the n-grams.
    """
    spans = token_spans(text)
    read = spans[:seq_len] if truncate == 'post' else spans[max(len(spans) - seq_len, 0):]
    items = sorted((explanation or {}).get('top', ()), key=lambda item: -abs(item['score']))
    owner: List[Optional[int]] = [None] * len(read)  # the n-gram each token read is shown in
    for rank, item in enumerate(items):
        for i in range(item['start'], min(item['start'] + item['width'], len(read))):
            owner[i] = rank if owner[i] is None else owner[i]
    runs: List[List[int]] = []  # [first char, end char, rank] of each highlight
    for i, rank in enumerate(owner):
        if rank is not None and i and owner[i - 1] == rank:
            runs[-1][1] = read[i][1]
        elif rank is not None:
            runs.append([read[i][0], read[i][1], rank])
    first, last = (read[0][0], read[-1][1]) if read else (len(text), len(text))
    segments: List[Dict[str, Any]] = []

    def plain(a: int, b: int) -> None:
        for x, y, inside in ((a, min(b, first), False), (max(a, first), min(b, last), True),
                             (max(a, last), b, False)):
            if x < y:
                segments.append({'text': text[x:y], 'score': None, 'ngram': None, 'read': inside})

    done = 0
    for a, b, rank in runs:
        plain(done, a)
        segments.append({'text': text[a:b], 'score': items[rank]['score'],
                         'ngram': items[rank]['ngram'], 'read': True})
        done = b
    plain(done, len(text))
    return segments


def add_page(app, clf, lock, max_chars: int, max_top_k: int) -> None:
    """Add ``GET /`` and ``POST /highlight`` to the FastAPI ``app`` serving ``clf``.

    Parameters
    ----------
    app : fastapi.FastAPI
        The application of :func:`gluon_sentiment.deploy.create_app`.
    clf : SentimentClassifier
        Its model.
    lock : threading.Lock
        The lock the model runs under (one request at a time).
    max_chars : int
        Longest text, in characters (413 beyond).
    max_top_k : int
        Largest ``top_k``.
    """
    # pylint: disable=import-outside-toplevel
    from fastapi import HTTPException
    from fastapi.responses import HTMLResponse
    from pydantic import BaseModel, Field, StrictStr

    class HighlightRequest(BaseModel):
        """Body of ``POST /highlight``."""
        text: StrictStr = Field(..., description='the text to classify and explain')
        top_k: int = Field(5, ge=1, le=max_top_k, description='n-grams to highlight')

    html = page_html()
    headers = page_headers(html)

    @app.get('/', response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)

    @app.post('/highlight')
    def highlight(body: HighlightRequest) -> Dict[str, Any]:
        if len(body.text) > max_chars:
            raise HTTPException(413, f'the text has {len(body.text)} characters; at most '
                                     f'{max_chars} are allowed')
        note = None
        with lock:
            try:
                record = predict_records(clf, [body.text],
                                         lambda texts: explain(clf, texts, body.top_k))[0]
            except ConfigError as err:  # e.g. an ensemble or a symbolic bundle
                record, note = predict_records(clf, [body.text])[0], f'no highlights: {err}'
        explanation = record.get('explanation')
        segments = (highlight_segments(record['text'], explanation, clf.seq_len, clf.truncate)
                    if explanation else [{'text': record['text'], 'score': None, 'ngram': None,
                                          'read': True}])
        return {'model': clf.name, 'prediction': record, 'segments': segments, 'note': note}
