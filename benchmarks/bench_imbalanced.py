"""The 10:1 imbalanced IMDB case: --class-weight against none, scored on balanced held-out reviews.

    python benchmarks/bench_imbalanced.py --data ../shared/data/aclImdb_train.tar.gz \\
        --workdir /tmp/imbalanced --class-weight balanced none

Holds out ``--held-out`` positive and as many negative reviews (seeded),
then writes an IMDB-style training folder of every other positive review
and one negative per ten positives (10:1), and a balanced test folder of
the held-out reviews; no review is in both. For each ``--class-weight``
value (and each ``--class-weight-mode`` and ``--seeds`` seed) it trains
the default model (``--epochs 3``, other flags default: the tutorial's
splits of the training folder, so its validation split is imbalanced too)
and evaluates it on the test folder. The last line is one JSON object: per
run, test accuracy, macro-F1, ECE and the share predicted positive, the
validation accuracy, macro-F1 and (with class weights) weighted accuracy,
and the calibration (temperature, bias, validation ECE before/after); with
several seeds, the mean and spread of the test accuracy per weighting.
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
    parser.add_argument('--class-weight-mode', nargs='+', default=['sample'])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
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
    runs = [(w, mode, seed) for w in args.class_weight
            for mode in (args.class_weight_mode if w != 'none' else ['sample'])
            for seed in args.seeds]
    for weight, mode, seed in runs:
        key = weight if _named_by_weight(args, weight) else f'{weight}-{mode}'
        key += f'-s{seed}' if len(args.seeds) > 1 else ''
        result[key] = _train_and_score(args, train_dir, test_dir, weight, mode, seed, key)
        print(json.dumps({key: result[key]}), file=sys.stderr)
    if len(args.seeds) > 1:
        for weight in args.class_weight:
            for mode in (args.class_weight_mode if weight != 'none' else ['sample']):
                name = weight if _named_by_weight(args, weight) else f'{weight}-{mode}'
                accs = [result[f'{name}-s{seed}']['test_accuracy'] for seed in args.seeds]
                result[f'{name}-mean'] = {'test_accuracy': float(np.mean(accs)),
                                          'test_accuracy_std': float(np.std(accs, ddof=1))}
    print(json.dumps(result))


def _named_by_weight(args, weight) -> bool:
    """Whether runs of ``weight`` are named without their mode (one mode, or no weights)."""
    return weight == 'none' or len(args.class_weight_mode) == 1


def _train_and_score(args, train_dir, test_dir, weight, mode, seed, key):
    start = time.time()
    out = os.path.join(args.workdir, f'run-{key}')
    metrics = run_training(TrainConfig(data=train_dir, class_weight=weight,
                                       class_weight_mode=mode, seed=seed,
                                       epochs=args.epochs, output_dir=out, overwrite=True))
    report = evaluate_run(out, test_dir, os.path.join(args.workdir, f'eval-{key}'))
    matrix = np.asarray(report['metrics']['confusion_matrix'])
    calibration = metrics['calibration']
    return {'seed': seed, 'class_weight_mode': mode,
            'test_accuracy': report['metrics']['accuracy'],
            'test_macro_f1': report['metrics']['macro_f1'],
            'test_ece': report['metrics']['ece'],
            'test_roc_auc': report['metrics']['roc_auc'],
            'test_predicted_positive': float(matrix[:, 1].sum() / matrix.sum()),
            'val_accuracy': metrics['val_accuracy'], 'val_macro_f1': metrics['val_macro_f1'],
            'val_weighted_accuracy': metrics.get('val_weighted_accuracy'),
            'best_epoch': metrics['best_epoch'],
            'temperature': calibration['temperature'], 'bias': calibration.get('bias'),
            'val_ece': [calibration['ece_before'], calibration['ece_after']],
            'seconds': time.time() - start}


if __name__ == '__main__':
    main()
