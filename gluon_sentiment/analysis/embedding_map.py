"""Embedding maps: t-SNE pictures of word embeddings and the nearest neighbours behind them.

:func:`draw_embedding` draws the embedding rows of the most frequent words
in 2-D with openTSNE, labels as many words as fit without overlapping
(most frequent first), and writes the cosine nearest neighbours of probe
words to ``<out>.neighbours.json`` beside the picture. The words come from
a loaded run (:func:`model_embedding`) or from pretrained vectors
(:func:`load_embedding`); ``python -m gluon_sentiment.visualize`` is the
command line.
"""
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from openTSNE import TSNE

from ..artifacts.store import make_folder, write_json
from ..data.vocab import PAD, UNK
from ..embeddings.sources import load_vectors
from ..errors import ConfigError
from .plots import plot_word_map

__all__ = ['DEFAULT_PROBES', 'MapOptions', 'model_embedding', 'load_embedding', 'most_frequent', 'tsne_2d',
           'nearest_neighbours', 'word_sentiment', 'draw_embedding']

log = logging.getLogger(__name__)

DEFAULT_PROBES = ('excellent', 'awful', 'boring')


def model_embedding(clf) -> Tuple[List[str], np.ndarray]:
    """Words and embedding rows of a loaded run, most frequent first, without ``<unk>``/``<pad>``.

    Parameters
    ----------
    clf : gluon_sentiment.SentimentClassifier
        A loaded run (:func:`gluon_sentiment.load_model`).
    """
    matrix = clf.net.embedding.weight.data().asnumpy()
    keep = [i for i, token in enumerate(clf.vocab.idx_to_token) if token not in (UNK, PAD)]
    return [clf.vocab.idx_to_token[i] for i in keep], matrix[keep]


def load_embedding(source: str) -> Tuple[List[str], np.ndarray]:
    """Words and vectors of a pretrained embedding, in the file's order (GloVe: by frequency).

    Parameters
    ----------
    source : str
        Anything :func:`gluon_sentiment.embeddings.load_vectors` loads: a
        gluonnlp GloVe source name (``glove.6B.50d``: the package cache, the
        offline wheel, then gluonnlp's download), a GloVe text file or a
        gluonnlp ``.npz``.

    Raises
    ------
    DataError, ConfigError
        If the vectors cannot be found or read.
    """
    emb = load_vectors(source).embedding
    words = list(emb.idx_to_token)
    matrix = emb.idx_to_vec.asnumpy()
    keep = [i for i, word in enumerate(words) if word != emb.unknown_token]
    return [words[i] for i in keep], matrix[keep]


def most_frequent(words: Sequence[str], n: int, what: str = 'the vocabulary') -> List[int]:
    """Indices of the first ``n`` words (the most frequent, in a frequency-ordered list).

    Raises
    ------
    ConfigError
        If fewer than ``n`` words exist, or ``n`` is below 5.
    """
    if n < 5:
        raise ConfigError(f'--words must be at least 5 for a t-SNE picture, got {n}')
    if n > len(words):
        raise ConfigError(f'--words {n}: {what} holds only {len(words)} words; ask for at most '
                          f'{len(words)}')
    return list(range(n))


def tsne_2d(vectors: np.ndarray, seed: int = 0, perplexity: float = 30.0,
            n_jobs: int = 1) -> np.ndarray:
    """2-D openTSNE embedding of ``vectors`` under cosine distance.

    The perplexity is capped at ``(n - 1) / 3`` for small inputs; Barnes-Hut
    gradients are used, the faster choice below some thousands of points.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    perplexity = min(perplexity, max((len(vectors) - 1) / 3.0, 1.0))
    tsne = TSNE(perplexity=perplexity, metric='cosine', negative_gradient_method='bh',
                random_state=seed, n_jobs=n_jobs, verbose=False)
    return np.asarray(tsne.fit(vectors))


def nearest_neighbours(words: Sequence[str], vectors: np.ndarray, probes: Sequence[str],
                       k: int = 10) -> Dict[str, Optional[List[Dict[str, Any]]]]:
    """The ``k`` nearest words of each probe by cosine similarity.

    Returns
    -------
    dict
        probe -> list of ``{'word', 'cosine'}``, nearest first, the probe
        itself excluded; ``None`` for a probe not among ``words``.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)
    index = {word: i for i, word in enumerate(words)}
    out = {}
    for probe in probes:
        if probe not in index:
            log.warning('probe word %r is not in the embedding', probe)
            out[probe] = None
            continue
        cos = unit @ unit[index[probe]]
        cos[index[probe]] = -np.inf
        nearest = np.argsort(-cos, kind='stable')[:k]
        out[probe] = [{'word': words[i], 'cosine': round(float(cos[i]), 4)} for i in nearest]
    return out


def word_sentiment(clf, words: Sequence[str]) -> np.ndarray:
    """The model's positive probability for each word read alone, as a one-word text."""
    return clf.predict_proba(list(words))[:, 1]


@dataclass(frozen=True)
class MapOptions:
    """What :func:`draw_embedding` draws and which neighbours it writes.

    Parameters
    ----------
    n_words : int, default 500
        Words to draw.
    probes : list of str
        Words whose nearest neighbours (over all of the embedding's words) are written.
    k : int, default 10
        Neighbours per probe.
    title : str
        What the embedding is, for the figure title.
    seed : int, default 0
        Seed of t-SNE.
    """

    n_words: int = 500
    probes: Sequence[str] = DEFAULT_PROBES
    k: int = 10
    title: str = 'embedding'
    seed: int = 0


def draw_embedding(words: Sequence[str], vectors: np.ndarray, out: str,
                   options: MapOptions = MapOptions(), clf=None) -> Dict[str, Any]:
    """t-SNE picture of the first ``options.n_words`` words, plus the neighbours JSON beside it.

    Parameters
    ----------
    words, vectors : list of str, numpy.ndarray
        The embedding, most frequent word first.
    out : str
        PNG path; the neighbours go to ``<out without .png>.neighbours.json``.
    options : MapOptions, default MapOptions()
        Words to draw, probes and neighbours per probe, title, t-SNE seed.
    clf : SentimentClassifier, optional
        If given, each word is coloured by ``clf``'s positive probability for it.

    Returns
    -------
    dict
        ``picture``, ``neighbours_file``, ``neighbours``, ``words``,
        ``labelled`` (words with a label drawn) and ``tsne_seconds``.
    """
    title, k = options.title, options.k
    chosen = most_frequent(words, options.n_words, title)
    shown = [words[i] for i in chosen]
    start = time.perf_counter()
    points = tsne_2d(vectors[chosen], options.seed)
    seconds = time.perf_counter() - start
    log.info('t-SNE of %d words x %d dimensions: %.1f s', len(shown), vectors.shape[1], seconds)
    colors = None if clf is None else word_sentiment(clf, shown)
    caption = 'P(positive) of the word alone'
    full_title = (f't-SNE of the {len(shown)} most frequent words: {title} '
                  f'({vectors.shape[1]} dimensions, cosine)'
                  + ('\ncolour: the model\'s P(positive) for the word alone' if clf else ''))
    make_folder(os.path.dirname(os.path.abspath(out)))
    labelled = plot_word_map(points, shown, out, full_title, colors, caption)
    neighbours = nearest_neighbours(words, vectors, options.probes, k)
    neighbours_file = os.path.splitext(out)[0] + '.neighbours.json'
    write_json(neighbours_file, {'embedding': title, 'k': k, 'metric': 'cosine',
                                 'searched_words': len(words), 'neighbours': neighbours})
    return {'picture': out, 'neighbours_file': neighbours_file, 'neighbours': neighbours,
            'words': len(shown), 'labelled': labelled, 'tsne_seconds': round(seconds, 3)}
