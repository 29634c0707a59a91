"""Prediction records for many texts: what ``predict`` prints and ``serve`` returns.

A record is a JSON-ready dict::

    {"text": "...", "label": "positive", "probabilities": {"negative": 0.03, "positive": 0.97},
     "known_tokens": 5, "coverage": 0.83, "unreadable": false}

(``probabilities`` has one entry per class of the run, by its class names;
``label`` is the most probable class, or for a binary run with a decision
threshold positive when ``P(positive)`` exceeds it).

with an ``explanation`` when an explainer is given (the commands pass
:func:`gluon_sentiment.analysis.explain`). :func:`iter_records` streams any number of texts through a
classifier in chunks, so a file of millions of lines needs memory for one
chunk only.

Hostile text
    Every text gets a record, whatever it holds (NUL, control characters,
    right-to-left and combining marks, emoji, megabytes). A record's
    ``text`` is always encodable as UTF-8: lone surrogates (from JSON
    ``"\\ud800"`` escapes or undecodable command-line bytes) are replaced by
    U+FFFD, and each call logs one warning with their number.
Text the model cannot read
    Kim's tokenizer keeps ASCII letters, digits and some punctuation only,
    so a Russian or Chinese review becomes no token, or only unknown ones,
    and still gets a label. ``known_tokens`` is how many of the tokens the
    model read (after truncation to its ``seq_len``) are in its vocabulary,
    ``coverage`` their share of the tokens read (0.0 for a text without
    tokens), and ``unreadable`` is true for a text without a known token;
    each call logs one warning with the number of such texts. An ensemble
    reports the coverage of its first member (members may differ in
    vocabulary; the first is the one listed first by ``ensemble.json``).
"""
import itertools
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ..data.corpus import CorpusTokens
from ..data.text import replace_surrogates
from ..data.vocab import UNK
from ..errors import DataError
from .classifier import SentimentClassifier, decide
from .ensemble import EnsembleClassifier

__all__ = ['format_record', 'Explainer', 'predict_records', 'iter_records', 'read_lines', 'Throughput',
           'vocabulary_coverage']

log = logging.getLogger(__name__)

#: explanations of texts, one dict per text, e.g. ``lambda texts: explain(clf, texts, 5)``
Explainer = Callable[[Sequence[str]], List[Dict[str, Any]]]


def predict_records(clf: SentimentClassifier, texts: Sequence[str],
                    explainer: Optional[Explainer] = None) -> List[Dict[str, Any]]:
    """One record per text: ``text``, ``label``, ``probabilities``, ``known_tokens``,
    ``coverage``, ``unreadable`` (and ``explanation``).

    Lone surrogates in ``text`` are replaced by U+FFFD; the replacements and
    the unreadable texts are counted in one warning each (see the module).

    Parameters
    ----------
    clf : SentimentClassifier or EnsembleClassifier
        The model.
    texts : sequence of str
        Texts to classify, batched by ``clf``.
    explainer : callable, optional
        When given, each record gets the ``explanation`` it returns for the
        record's text.
    """
    stats = Throughput()
    records = _records(clf, texts, explainer, stats)
    _warn(stats)
    return records


def vocabulary_coverage(clf: SentimentClassifier, texts: Sequence[str],
                        tokens: Optional[CorpusTokens] = None) -> Tuple[np.ndarray, np.ndarray]:
    """How many of the tokens the model reads of each text are in its vocabulary.

    Parameters
    ----------
    clf : SentimentClassifier or EnsembleClassifier
        The model; an ensemble answers with its first member.
    texts : sequence of str
        Raw texts, tokenized and truncated as ``clf`` does it.
    tokens : CorpusTokens, optional
        The texts already tokenized (``clf.tokenize(texts)``), to tokenize once only.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Known tokens and tokens read (at most ``seq_len``), int64 ``(n,)`` each.
    """
    if isinstance(clf, EnsembleClassifier):
        clf = clf.members[0]
    return _coverage(clf, *clf.encode_flat(clf.tokenize(texts) if tokens is None else tokens))


def _coverage(clf: SentimentClassifier, words: np.ndarray,
              lengths: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Known tokens and tokens read of each text, from :meth:`SentimentClassifier.encode_flat`."""
    read = np.asarray(lengths, dtype=np.int64)
    unknown = np.flatnonzero(words == clf.vocab.token_to_idx[UNK])
    text = np.searchsorted(np.cumsum(read), unknown, side='right')
    return read - np.bincount(text, minlength=len(read)), read


def _predict_with_coverage(clf, texts: Sequence[str]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities, known tokens and tokens read of ``texts``, tokenized and encoded once.

    An ensemble whose members tokenize differently has no common tokenizer:
    its members tokenize for themselves, and the coverage is its first
    member's.
    """
    if isinstance(clf, SentimentClassifier):
        words, lengths = clf.encode_flat(clf.tokenize(texts))
        return (clf.predict_proba_flat(words, lengths),) + _coverage(clf, words, lengths)
    tokens = clf.tokenize(texts) if clf.tokenizer is not None else None
    probs = clf.predict_proba(texts) if tokens is None else clf.predict_proba_tokens(tokens)
    return (probs,) + vocabulary_coverage(clf, texts, tokens)


def _records(clf, texts: Sequence[str], explainer: Optional[Explainer],
             stats: 'Throughput') -> List[Dict[str, Any]]:
    probs, known, read = _predict_with_coverage(clf, texts)
    names = clf.class_names
    decided = decide(probs, clf.threshold).tolist() if len(probs) else []
    records = []
    for text, p, c, k, n in zip(texts, probs.tolist(), decided, known.tolist(), read.tolist()):
        text, replaced = replace_surrogates(text)
        stats.replaced += replaced
        stats.unreadable += k == 0
        records.append({'text': text, 'label': names[c],
                        'probabilities': dict(zip(names, p)),  # floats: probs.tolist()
                        'known_tokens': k, 'coverage': round(k / n, 4) if n else 0.0,
                        'unreadable': k == 0})
    if explainer is not None and records:
        for record, explanation in zip(records, explainer(texts)):
            record['explanation'] = explanation
    return records


def _warn(stats: 'Throughput') -> None:
    if stats.replaced:
        log.warning('%d lone surrogates (code points UTF-8 cannot encode) in the texts were '
                    'replaced by U+FFFD in the output', stats.replaced)
    if stats.unreadable:
        log.warning('%d texts hold no token the model knows (its tokenizer keeps ASCII letters '
                    'only: other scripts are not read); their labels mean nothing '
                    '("unreadable": true)', stats.unreadable)


@dataclass
class Throughput:
    """Counts of a streaming prediction, filled in as records are produced."""
    texts: int = 0
    seconds: float = 0.0
    #: lone surrogates replaced by U+FFFD in the records' texts
    replaced: int = 0
    #: texts without a token in the vocabulary
    unreadable: int = 0

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
        Updated with the texts done, the seconds spent predicting and the
        counts of replaced surrogates and unreadable texts, which are logged
        in one warning each when the texts are exhausted.
    """
    iterator = iter(texts)
    stats = Throughput() if stats is None else stats
    while True:
        chunk = list(itertools.islice(iterator, chunk_size))
        if not chunk:
            _warn(stats)
            return
        start = time.perf_counter()
        records = _records(clf, chunk, explainer, stats)
        stats.seconds += time.perf_counter() - start
        stats.texts += len(chunk)
        yield from records


def read_lines(path: str) -> Iterator[str]:
    """Texts of a file, one per line (``'-'``: standard input), without line ends.

    A line ends at ``\\n`` (or ``\\r\\n``) only, not at U+0085, U+2028 or the
    other boundaries of :meth:`str.splitlines`. Each line is decoded as
    UTF-8, invalid bytes becoming U+FFFD. Empty lines are texts too (they
    get a prediction), so output lines match input lines one to one.

    Raises
    ------
    DataError
        If the file cannot be opened or read.
    """
    if path == '-':
        yield from _decoded_lines(sys.stdin.buffer, 'standard input')
        return
    if os.path.isdir(path):
        raise DataError(f'--input {path}: is a folder; give a file of texts, one per line')
    try:
        f = open(path, 'rb')  # pylint: disable=consider-using-with
    except OSError as err:
        raise DataError(f'--input {path}: cannot read it ({err.strerror})') from None
    with f:
        yield from _decoded_lines(f, path)


def _decoded_lines(stream, name: str) -> Iterator[str]:
    # iterating a binary stream splits at b'\n' only
    try:
        for line in stream:
            if line.endswith(b'\n'):
                line = line[:-2] if line.endswith(b'\r\n') else line[:-1]
            yield line.decode('utf-8', 'replace')
    except OSError as err:
        raise DataError(f'--input {name}: cannot read it ({err.strerror})') from None


def format_record(record: Dict[str, Any], fmt: str) -> str:
    """One record as printed: a JSON line, or a table row (and explanation rows)."""
    if fmt == 'jsonl':
        return json.dumps(record, ensure_ascii=False)
    probs = record['probabilities']
    if list(probs) == ['negative', 'positive']:
        line = (f'{record["label"]}\tnegative={probs["negative"]:.4f}\t'
                f'positive={probs["positive"]:.4f}\t{record["text"]}')
    else:  # one name=p column per class of the run
        line = '\t'.join([record['label'], *(f'{name}={p:.4f}' for name, p in probs.items()),
                          record['text']])
    explanation = record.get('explanation')
    if explanation:
        line += ''.join(f'\n\t{item["score"]:+.3f}\t{item["ngram"]}'
                        for item in explanation['top'])
    return line
