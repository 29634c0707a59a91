"""The 10:1 imbalanced IMDB case: --class-weight against none, scored on balanced held-out reviews.

    python benchmarks/bench_imbalanced.py --data ../shared/data/aclImdb_train.tar.gz \\
        --workdir /tmp/imbalanced --class-weight balanced none

Writes an IMDB-style training folder of every positive review and one
negative per ten positives (10:1, ``--ratio``), seeded. Each run trains on
that folder with ``--epochs 3`` and other flags default (the tutorial's
splits of the folder, so its validation split is imbalanced too). The
reviews it never trains on are scored as two balanced sets, the same for
every run (the splits depend on the folder only):

``select``
    the positives of the run's validation split and as many negatives
    outside the folder: for choosing settings (``--settings``);
``test``
    the positives of the run's test split and as many other negatives
    outside the folder: for confirming the choice.

Negatives of the folder's own splits are left out, so that both sets hold
exactly half of each class. With ``--ratio 1`` the folder is the whole
archive, both sets are the splits themselves (subsampled to balance), and
a run is the balanced full-data case. ``--held-out N`` instead takes N
reviews of each class out of the archive first and tests on them (the
layout of earlier releases).

For each ``--class-weight`` value, ``--class-weight-mode``, ``--settings``
entry (TrainConfig fields as a JSON object, e.g. ``'{"lr": 0.002}'``) and
``--seeds`` seed it trains the default model and evaluates it. The last
line is one JSON object: per run, the accuracy, macro-F1, ECE and share
predicted positive on each set, the validation accuracy, macro-F1 and
(with class weights) weighted accuracy, and the calibration; per
weighting, mode and setting over several seeds, the mean and spread.
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
from gluon_sentiment.data.pipeline import read_splits
from gluon_sentiment.training import TrainConfig, run_training

__all__ = ['main', 'write_folder', 'balanced_sets']


def write_folder(root, reviews, indices):
    """Write ``reviews[indices]`` as ROOT/pos and ROOT/neg, keeping their file names."""
    for name in ('pos', 'neg'):
        os.makedirs(os.path.join(root, name), exist_ok=True)
    for i in indices:
        folder = 'pos' if reviews.labels[i] else 'neg'
        name = os.path.basename(reviews.sources[i].split(':')[-1])
        with open(os.path.join(root, folder, name), 'w', encoding='utf-8') as f:
            f.write(reviews.texts[i])


def balanced_sets(folder_labels, index, spare_negatives, seed=0):
    """Row indices of the balanced ``select`` and ``test`` sets of a run on the folder.

    Parameters
    ----------
    folder_labels : numpy.ndarray
        Labels of the folder's reviews, in the order the run reads them.
    index : dict
        The run's split indices into the folder (``'val'``, ``'test'``).
    spare_negatives : int
        How many negatives outside the folder there are (numbered 0 ..
        spare_negatives - 1).

    Returns
    -------
    dict
        ``{'select': (folder rows, spare rows), 'test': (...)}``: each set
        is its split's positives with as many spare negatives (the two sets'
        spare negatives disjoint), or, when too few are spare, the split's
        own reviews subsampled to the same count of each class.
    """
    rng = np.random.RandomState(seed)
    spare = rng.permutation(spare_negatives)
    out, used = {}, 0
    for name, split in (('select', 'val'), ('test', 'test')):
        rows = np.asarray(index[split])
        pos, neg = rows[folder_labels[rows] == 1], rows[folder_labels[rows] == 0]
        if used + len(pos) <= spare_negatives:
            out[name] = (np.sort(pos), np.sort(spare[used:used + len(pos)]))
            used += len(pos)
        else:
            m = min(len(pos), len(neg))
            out[name] = (np.sort(np.concatenate([rng.choice(pos, m, replace=False),
                                                 rng.choice(neg, m, replace=False)])),
                         np.zeros(0, np.int64))
    return out


def _write_folders(args, reviews):
    """The training folder and the balanced evaluation folders; their sizes."""
    rng = np.random.RandomState(0)
    pos = rng.permutation(np.flatnonzero(reviews.labels == 1))
    neg = rng.permutation(np.flatnonzero(reviews.labels == 0))
    held_pos, held_neg = pos[:args.held_out], neg[:args.held_out]
    train_pos = pos[args.held_out:]
    train_neg = neg[args.held_out:args.held_out + len(train_pos) // args.ratio]
    spare = neg[args.held_out + len(train_neg):]
    dirs = {name: os.path.join(args.workdir, name) for name in ('train', 'select', 'test')}
    if not os.path.isdir(dirs['train']):
        write_folder(dirs['train'], reviews, np.concatenate([train_pos, train_neg]))
    _, folder, index, _ = read_splits(TrainConfig(data=dirs['train']))
    if not os.path.isdir(dirs['test']):
        sets = balanced_sets(folder.labels, index, len(spare))
        for name, (rows, spare_rows) in sets.items():
            if name == 'test' and args.held_out:
                write_folder(dirs['test'], reviews, np.concatenate([held_pos, held_neg]))
                continue
            write_folder(dirs[name], folder, rows)
            write_folder(dirs[name], reviews, spare[spare_rows])
    sizes = {'train': {'positive': len(train_pos), 'negative': len(train_neg)}}
    for name in ('select', 'test'):
        sizes[name] = {label: len(os.listdir(os.path.join(dirs[name], label)))
                       for label in ('pos', 'neg')}
    return dirs, sizes


def main() -> None:
    """Build the folders, train and evaluate each weighting and setting, print the scores."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', required=True)
    parser.add_argument('--workdir', required=True)
    parser.add_argument('--held-out', type=int, default=0,
                        help='test reviews per class taken out of the archive first (0: every '
                             "positive in the folder, tested on the run's own test split)")
    parser.add_argument('--ratio', type=int, default=10, help='positives per negative')
    parser.add_argument('--class-weight', nargs='+', default=['balanced', 'none'])
    parser.add_argument('--class-weight-mode', nargs='+', default=['sample'])
    parser.add_argument('--settings', nargs='+', default=['{}'],
                        help='TrainConfig fields of each setting compared, as JSON objects')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--epochs', type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='%(asctime)s %(name)s: %(message)s')
    dirs, result = _write_folders(args, read_reviews(args.data))
    groups = {}
    for weight in args.class_weight:
        for mode in (args.class_weight_mode if weight != 'none' else ['sample']):
            for j, setting in enumerate(args.settings):
                name = weight if _named_by_weight(args, weight) else f'{weight}-{mode}'
                name += f'-c{j}' if len(args.settings) > 1 else ''
                for seed in args.seeds:
                    key = name + (f'-s{seed}' if len(args.seeds) > 1 else '')
                    result[key] = _train_and_score(args, dirs, (weight, mode, seed),
                                                   json.loads(setting), key)
                    print(json.dumps({key: result[key]}), file=sys.stderr)
                    groups.setdefault(name, []).append(result[key])
    if len(args.seeds) > 1:
        for name, runs in groups.items():
            result[f'{name}-mean'] = {
                f'{split}_{metric}{stat}': float(fn([r[f'{split}_{metric}'] for r in runs]))
                for split in ('select', 'test') for metric in ('accuracy', 'macro_f1')
                for stat, fn in (('', np.mean), ('_std', lambda v: np.std(v, ddof=1)))}
    print(json.dumps(result))


def _named_by_weight(args, weight) -> bool:
    """Whether runs of ``weight`` are named without their mode (one mode, or no weights)."""
    return weight == 'none' or len(args.class_weight_mode) == 1


def _train_and_score(args, dirs, run, setting, key):
    weight, mode, seed = run
    start = time.time()
    out = os.path.join(args.workdir, f'run-{key}')
    fields = {'data': dirs['train'], 'class_weight': weight, 'class_weight_mode': mode,
              'seed': seed, 'epochs': args.epochs, 'output_dir': out, 'overwrite': True,
              **setting}
    metrics = run_training(TrainConfig(**fields))
    calibration = metrics['calibration']
    scores = {'seed': seed, 'class_weight_mode': mode, 'setting': setting}
    for name in ('select', 'test'):
        report = evaluate_run(out, dirs[name], os.path.join(args.workdir, f'eval-{name}-{key}'))
        matrix = np.asarray(report['metrics']['confusion_matrix'])
        scores.update({f'{name}_accuracy': report['metrics']['accuracy'],
                       f'{name}_macro_f1': report['metrics']['macro_f1'],
                       f'{name}_ece': report['metrics']['ece'],
                       f'{name}_roc_auc': report['metrics']['roc_auc'],
                       f'{name}_predicted_positive': float(matrix[:, 1].sum() / matrix.sum())})
    scores.update({
        'val_accuracy': metrics['val_accuracy'], 'val_macro_f1': metrics['val_macro_f1'],
        'val_weighted_accuracy': metrics.get('val_weighted_accuracy'),
        'best_epoch': metrics['best_epoch'], 'sizes': metrics['sizes'],
        'temperature': calibration['temperature'], 'bias': calibration.get('bias'),
        'val_ece': [calibration['ece_before'], calibration['ece_after']],
        'seconds': time.time() - start, 'uptime': os.popen('uptime').read().strip()})
    return scores


if __name__ == '__main__':
    main()
