"""t-SNE pictures of word embeddings and the nearest neighbours behind them.

Command line::

    python -m gluon_sentiment.visualize --model runs/multikernel --words 500 --out tsne.png \\
        --color-by-sentiment
    python -m gluon_sentiment.visualize --embedding glove.6B.50d.txt --words 500 --out glove.png

draws the embedding rows of the ``--words`` most frequent words of the run's
vocabulary (or of a GloVe file) in 2-D with openTSNE, labels as many words as
fit without overlapping (most frequent first), and writes the cosine nearest
neighbours of the ``--probes`` words to ``<out>.neighbours.json`` beside the
picture. From Python: :func:`model_embedding`, :func:`load_embedding`,
:func:`tsne_2d`, :func:`nearest_neighbours`, :func:`word_sentiment` and
:func:`draw_embedding`.
"""
import argparse
import json
import logging
import os
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .cli import add_common_args, run_cli
from .errors import ConfigError, DataError

__all__ = ['DEFAULT_PROBES', 'model_embedding', 'load_embedding', 'most_frequent', 'tsne_2d',
           'nearest_neighbours', 'word_sentiment', 'draw_embedding', 'build_parser', 'main']

log = logging.getLogger(__name__)

DEFAULT_PROBES = ('excellent', 'awful', 'boring')


def model_embedding(clf) -> Tuple[List[str], np.ndarray]:
    """Words and embedding rows of a loaded run, most frequent first, without ``<unk>``/``<pad>``.

    Parameters
    ----------
    clf : gluon_sentiment.SentimentClassifier
        A loaded run (:func:`gluon_sentiment.load_model`).
    """
    from .data.vocab import PAD, UNK
    matrix = clf.net.embedding.weight.data().asnumpy()
    keep = [i for i, token in enumerate(clf.vocab.idx_to_token) if token not in (UNK, PAD)]
    return [clf.vocab.idx_to_token[i] for i in keep], matrix[keep]


def load_embedding(source: str) -> Tuple[List[str], np.ndarray]:
    """Words and vectors of a pretrained embedding, in the file's order (GloVe: by frequency).

    Parameters
    ----------
    source : str
        A GloVe/word2vec-style text file (``glove.6B.50d.txt``), read with
        ``gluonnlp.embedding.TokenEmbedding.from_file``, or a gluonnlp GloVe
        source name (``glove.6B.50d``), which gluonnlp downloads once.

    Raises
    ------
    DataError
        If the file cannot be read or the name cannot be fetched.
    """
    import gluonnlp as nlp
    try:
        if os.path.isfile(source):
            emb = nlp.embedding.TokenEmbedding.from_file(source)
        else:
            emb = nlp.embedding.create('glove', source=source)
    except Exception as err:  # gluonnlp raises bare Exceptions, KeyError, OSError ...
        raise DataError(f'--embedding {source}: cannot load it ({str(err).splitlines()[0][:200]});'
                        ' pass the path of a GloVe text file such as glove.6B.50d.txt') from None
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
    from openTSNE import TSNE
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


def draw_embedding(words: Sequence[str], vectors: np.ndarray, out: str, n_words: int = 500,
                   probes: Sequence[str] = DEFAULT_PROBES, k: int = 10, clf=None,
                   title: str = 'embedding', seed: int = 0) -> Dict[str, Any]:
    """t-SNE picture of the first ``n_words`` words, plus the neighbours JSON beside it.

    Parameters
    ----------
    words, vectors : list of str, numpy.ndarray
        The embedding, most frequent word first.
    out : str
        PNG path; the neighbours go to ``<out without .png>.neighbours.json``.
    n_words : int, default 500
        Words to draw.
    probes : list of str
        Words whose nearest neighbours (over all of ``words``) are written.
    k : int, default 10
        Neighbours per probe.
    clf : SentimentClassifier, optional
        If given, each word is coloured by ``clf``'s positive probability for it.
    title : str
        What the embedding is, for the figure title.
    seed : int, default 0
        Seed of t-SNE.

    Returns
    -------
    dict
        ``picture``, ``neighbours_file``, ``neighbours``, ``words``,
        ``labelled`` (words with a label drawn) and ``tsne_seconds``.
    """
    from .plots import plot_word_map
    chosen = most_frequent(words, n_words, title)
    shown = [words[i] for i in chosen]
    start = time.perf_counter()
    points = tsne_2d(vectors[chosen], seed)
    seconds = time.perf_counter() - start
    log.info('t-SNE of %d words x %d dimensions: %.1f s', len(shown), vectors.shape[1], seconds)
    colors = None if clf is None else word_sentiment(clf, shown)
    caption = 'P(positive) of the word alone'
    full_title = (f't-SNE of the {len(shown)} most frequent words: {title} '
                  f'({vectors.shape[1]} dimensions, cosine)'
                  + ('\ncolour: the model\'s P(positive) for the word alone' if clf else ''))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    labelled = plot_word_map(points, shown, out, full_title, colors, caption)
    neighbours = nearest_neighbours(words, vectors, probes, k)
    from .rundir import write_json
    neighbours_file = os.path.splitext(out)[0] + '.neighbours.json'
    write_json(neighbours_file, {'embedding': title, 'k': k, 'metric': 'cosine',
                                 'searched_words': len(words), 'neighbours': neighbours})
    return {'picture': out, 'neighbours_file': neighbours_file, 'neighbours': neighbours,
            'words': len(shown), 'labelled': labelled, 'tsne_seconds': round(seconds, 3)}


def build_parser() -> argparse.ArgumentParser:
    """The ``visualize`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.visualize',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    source = parser.add_argument_group('embedding')
    source.add_argument('--model', help='run directory whose embedding layer to draw (and whose '
                                        'vocabulary picks the words)')
    source.add_argument('--embedding', help='draw this GloVe text file (or gluonnlp GloVe name) '
                                            'instead; its words come in the file\'s order')
    picture = parser.add_argument_group('picture')
    picture.add_argument('--words', type=int, default=500, help='most frequent words to draw')
    picture.add_argument('--out', default='tsne.png', help='PNG file to write')
    picture.add_argument('--color-by-sentiment', action='store_true',
                         help="colour each word by the --model's positive probability for it")
    picture.add_argument('--probes', nargs='+', default=list(DEFAULT_PROBES),
                         help='words whose nearest neighbours go to <out>.neighbours.json')
    picture.add_argument('--neighbours', type=int, default=10, help='neighbours per probe word')
    picture.add_argument('--seed', type=int, default=0, help='seed of t-SNE')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    if not args.model and not args.embedding:
        raise ConfigError('pass --model RUN_DIR or --embedding GLOVE_FILE')
    if args.color_by_sentiment and not args.model:
        raise ConfigError('--color-by-sentiment needs --model RUN_DIR: the model gives the colours')
    clf = None
    if args.model:
        from .predictor import load_model
        clf = load_model(args.model)
    if args.embedding:
        words, vectors = load_embedding(args.embedding)
        title = os.path.basename(args.embedding)
    else:
        words, vectors = model_embedding(clf)
        title = f'embedding layer of {os.path.basename(os.path.normpath(args.model))}'
    result = draw_embedding(words, vectors, args.out, args.words, args.probes, args.neighbours,
                            clf if args.color_by_sentiment else None, title, args.seed)
    print(json.dumps({key: result[key] for key in ('picture', 'neighbours_file', 'words',
                                                   'labelled', 'tsne_seconds')}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.visualize``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
