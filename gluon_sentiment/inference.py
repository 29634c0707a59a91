"""Prediction records for many texts: what ``predict`` prints and ``serve`` returns.

A record is a JSON-ready dict::

    {"text": "...", "label": "positive", "probabilities": {"negative": 0.03, "positive": 0.97}}

with an ``explanation`` (see :func:`gluon_sentiment.explain.explain`) when
asked. :func:`iter_records` streams any number of texts through a
classifier in chunks, so a file of millions of lines needs memory for one
chunk only.
"""
import io
import itertools
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from .errors import DataError
from .predictor import LABELS, SentimentClassifier

__all__ = ['predict_records', 'iter_records', 'read_lines', 'Throughput']


def predict_records(clf: SentimentClassifier, texts: Sequence[str],
                    explain_top_k: int = 0) -> List[Dict[str, Any]]:
    """One record per text: ``text``, ``label``, ``probabilities`` (and ``explanation``).

    Parameters
    ----------
    clf : SentimentClassifier
        The model.
    texts : sequence of str
        Texts to classify, batched by ``clf``.
    explain_top_k : int, default 0
        When positive, add each text's ``explanation`` with this many
        n-grams or words.
    """
    probs = clf.predict_proba(texts)
    records = [{'text': text, 'label': LABELS[int(p[1] > p[0])],
                'probabilities': {LABELS[0]: float(p[0]), LABELS[1]: float(p[1])}}
               for text, p in zip(texts, probs)]
    if explain_top_k > 0 and records:
        from .explain import explain  # pylint: disable=import-outside-toplevel
        for record, explanation in zip(records, explain(clf, texts, explain_top_k)):
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
                 explain_top_k: int = 0,
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
    explain_top_k : int, default 0
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
        records = predict_records(clf, chunk, explain_top_k)
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
