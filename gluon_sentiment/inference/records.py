"""Prediction records for many texts: what ``predict`` prints and ``serve`` returns.

A record is a JSON-ready dict::

    {"text": "...", "label": "positive", "probabilities": {"negative": 0.03, "positive": 0.97}}

with an ``explanation`` when an explainer is given (the commands pass
:func:`gluon_sentiment.analysis.explain`). :func:`iter_records` streams any number of texts through a
classifier in chunks, so a file of millions of lines needs memory for one
chunk only.
"""
import io
import itertools
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence

from ..errors import DataError
from .classifier import LABELS, SentimentClassifier

__all__ = ['Explainer', 'predict_records', 'iter_records', 'read_lines', 'Throughput']

#: explanations of texts, one dict per text, e.g. ``lambda texts: explain(clf, texts, 5)``
Explainer = Callable[[Sequence[str]], List[Dict[str, Any]]]


def predict_records(clf: SentimentClassifier, texts: Sequence[str],
                    explainer: Optional[Explainer] = None) -> List[Dict[str, Any]]:
    """One record per text: ``text``, ``label``, ``probabilities`` (and ``explanation``).

    Parameters
    ----------
    clf : SentimentClassifier
        The model.
    texts : sequence of str
        Texts to classify, batched by ``clf``.
    explainer : callable, optional
        When given, each record gets the ``explanation`` it returns for the
        record's text.
    """
    probs = clf.predict_proba(texts)
    records = [{'text': text, 'label': LABELS[int(p[1] > p[0])],
                'probabilities': {LABELS[0]: float(p[0]), LABELS[1]: float(p[1])}}
               for text, p in zip(texts, probs)]
    if explainer is not None and records:
        for record, explanation in zip(records, explainer(texts)):
            record['explanation'] = explanation
    return records


@dataclass
class Throughput:
    """Counts of a streaming prediction, filled in as records are produced."""
    texts: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        """Texts per second of prediction (tokenizing included, reading excluded)."""
        return self.texts / self.seconds if self.seconds else 0.0


def iter_records(clf: SentimentClassifier, texts: Iterable[str], chunk_size: int = 4096,
                 explainer: Optional[Explainer] = None,
                 stats: Optional[Throughput] = None) -> Iterator[Dict[str, Any]]:
    """Predict ``texts`` chunk by chunk and yield their records in input order.

    Parameters
    ----------
    clf : SentimentClassifier
        The model; within a chunk it sorts texts by length and cuts padding.
    texts : iterable of str
        Any number of texts, e.g. the lines of a file.
    chunk_size : int, default 4096
        Texts held in memory at once.
    explainer : callable, optional
        See :func:`predict_records`.
    stats : Throughput, optional
        Updated with the texts done and the seconds spent predicting.
    """
    iterator = iter(texts)
    while True:
        chunk = list(itertools.islice(iterator, chunk_size))
        if not chunk:
            return
        start = time.perf_counter()
        records = predict_records(clf, chunk, explainer)
        if stats is not None:
            stats.seconds += time.perf_counter() - start
            stats.texts += len(chunk)
        yield from records


def read_lines(path: str) -> Iterator[str]:
    """Texts of a file, one per line (``'-'``: standard input), without line ends.

    Empty lines are texts too (they get a prediction), so output lines match
    input lines one to one.

    Raises
    ------
    DataError
        If the file cannot be opened.
    """
    if path == '-':
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', errors='replace')
        yield from (line.rstrip('\r\n') for line in stream)
        return
    try:
        f = open(path, encoding='utf-8', errors='replace')  # pylint: disable=consider-using-with
    except OSError as err:
        raise DataError(f'--input {path}: cannot read it ({err.strerror})') from None
    with f:
        yield from (line.rstrip('\r\n') for line in f)
