"""Command line: t-SNE pictures of word embeddings and the nearest neighbours behind them.

Examples::

    python -m gluon_sentiment.visualize --model runs/multikernel --words 500 --out tsne.png \\
        --color-by-sentiment
    python -m gluon_sentiment.visualize --embedding glove.6B.50d.txt --words 500 --out glove.png

draws the embedding rows of the ``--words`` most frequent words of the run's
vocabulary (or of a GloVe file) in 2-D with openTSNE, labels as many words as
fit without overlapping (most frequent first), and writes the cosine nearest
neighbours of the ``--probes`` words to ``<out>.neighbours.json`` beside the
picture. The library functions are in
:mod:`gluon_sentiment.analysis.embedding_map`.
"""
import argparse
import json
import os
import sys
from typing import List, Optional

from .analysis.embedding_map import (DEFAULT_PROBES, MapOptions, draw_embedding, load_embedding,
                                     model_embedding)
from .cli import add_common_args, run_cli
from .errors import ConfigError
from .inference.loading import load_model

__all__ = ['build_parser', 'main']


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
        clf = load_model(args.model, fold=False)  # the word vectors as trained
    if args.embedding:
        words, vectors = load_embedding(args.embedding)
        title = os.path.basename(args.embedding)
    else:
        words, vectors = model_embedding(clf)
        title = f'embedding layer of {os.path.basename(os.path.normpath(args.model))}'
    options = MapOptions(n_words=args.words, probes=args.probes, k=args.neighbours, title=title,
                         seed=args.seed)
    result = draw_embedding(words, vectors, args.out, options,
                            clf if args.color_by_sentiment else None)
    print(json.dumps({key: result[key] for key in ('picture', 'neighbours_file', 'words',
                                                   'labelled', 'tsne_seconds')}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.visualize``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
