"""The 10:1 imbalanced IMDB case: --class-weight against none, scored on balanced held-out reviews.

    python benchmarks/bench_imbalanced.py --data ../shared/data/aclImdb_train.tar.gz \\
        --workdir /tmp/imbalanced --class-weight balanced none

Holds out ``--held-out`` positive and as many negative reviews (seeded),
then writes an IMDB-style training folder of every other positive review
and one negative per ten positives (10:1), and a balanced test folder of
the held-out reviews; no review is in both. For each ``--class-weight``
value it trains the default model (``--epochs 3``, other flags default:
the tutorial's splits of the training folder, so its validation split is
imbalanced too) and evaluates it on the test folder. The last line is one
JSON object: per weighting, test accuracy, macro-F1 and ECE, and the
validation accuracy and macro-F1.
"""
import argparse
import json
import logging
import os
import sys
import time

import numpy as np

from gluon_sentiment.analysis.evaluation import evaluate_run
from gluon_sentiment.data import read_reviews
from gluon_sentiment.training import TrainConfig, run_training

__all__ = ['main', 'write_folder']


def write_folder(root, reviews, indices):
    """Write ``reviews[indices]`` as ROOT/pos and ROOT/neg, keeping their file names."""
    for name in ('pos', 'neg'):
        os.makedirs(os.path.join(root, name), exist_ok=True)
    for i in indices:
        folder = 'pos' if reviews.labels[i] else 'neg'
        name = os.path.basename(reviews.sources[i].split(':')[-1])
        with open(os.path.join(root, folder, name), 'w', encoding='utf-8') as f:
            f.write(reviews.texts[i])


def main() -> None:
    """Build the folders, train and evaluate each weighting, print the scores."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True)
    parser.add_argument('--workdir', required=True)
    parser.add_argument('--held-out', type=int, default=1250, help='test reviews per class')
    parser.add_argument('--ratio', type=int, default=10, help='positives per negative')
    parser.add_argument('--class-weight', nargs='+', default=['balanced', 'none'])
    parser.add_argument('--epochs', type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='%(asctime)s %(name)s: %(message)s')
    reviews = read_reviews(args.data)
    rng = np.random.RandomState(0)
    pos = rng.permutation(np.flatnonzero(reviews.labels == 1))
    neg = rng.permutation(np.flatnonzero(reviews.labels == 0))
    test = np.concatenate([pos[:args.held_out], neg[:args.held_out]])
    train_pos = pos[args.held_out:]
    train_neg = neg[args.held_out:args.held_out + len(train_pos) // args.ratio]
    train_dir, test_dir = (os.path.join(args.workdir, name) for name in ('train', 'test'))
    if not os.path.isdir(train_dir):
        write_folder(train_dir, reviews, np.concatenate([train_pos, train_neg]))
        write_folder(test_dir, reviews, test)
    result = {'train': {'positive': len(train_pos), 'negative': len(train_neg)},
              'test': {'positive': args.held_out, 'negative': args.held_out}}
    for weight in args.class_weight:
        start = time.time()
        out = os.path.join(args.workdir, f'run-{weight}')
        metrics = run_training(TrainConfig(data=train_dir, class_weight=weight,
                                           epochs=args.epochs, output_dir=out, overwrite=True))
        report = evaluate_run(out, test_dir, os.path.join(args.workdir, f'eval-{weight}'))
        result[weight] = {'test_accuracy': report['metrics']['accuracy'],
                          'test_macro_f1': report['metrics']['macro_f1'],
                          'test_ece': report['metrics']['ece'],
                          'val_accuracy': metrics['val_accuracy'],
                          'val_macro_f1': metrics['val_macro_f1'],
                          'temperature': metrics['calibration']['temperature'],
                          'val_ece': [metrics['calibration']['ece_before'],
                                      metrics['calibration']['ece_after']],
                          'seconds': time.time() - start}
        print(json.dumps({weight: result[weight]}), file=sys.stderr)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
