"""Stratified K-fold cross-validation, the protocol of Kim's CNN paper on sentence datasets.

Each fold is a complete training run in ``OUTPUT_DIR/fold-K``: its test split
is the fold, and its training part is split again for validation (best
epoch). The vocabulary of each fold is counted on its own training part
only, so no held-out word leaks into it. The summary, mean ± standard
deviation of the test accuracy over the folds, goes to
``OUTPUT_DIR/cv.json``.
"""
import dataclasses
import logging
import os
from typing import Any, Dict

import numpy as np

from ..artifacts.store import write_json
from ..data.folds import fold_dataset, stratified_folds
from ..data.pipeline import read_data
from ..errors import ConfigError, DataError
from .config import TrainConfig
from .fit import run_training

__all__ = ['CV_SUMMARY', 'run_cross_validation']

log = logging.getLogger(__name__)

#: file name of the cross-validation summary
CV_SUMMARY = 'cv.json'


def run_cross_validation(config: TrainConfig) -> Dict[str, Any]:
    """Train ``config.cv`` folds and summarize their test accuracies.

    Returns
    -------
    dict
        ``folds`` (per-fold ``test_accuracy``, ``val_accuracy``, ``best_epoch``,
        ``output_dir``), ``mean_accuracy``, ``std_accuracy`` (population
        standard deviation over the folds) and ``k``; also written to
        ``OUTPUT_DIR/cv.json``.
    """
    config.validate()
    if config.cv < 2:
        raise ConfigError(f'--cv must be at least 2 for cross-validation, got {config.cv}')
    source, reviews = read_data(config, config.seed)
    if len(np.unique(reviews.labels)) < 2:
        raise DataError(f'{source}: holds only one class; cross-validation needs both')
    folds = stratified_folds(reviews.labels, config.cv, config.split_seed, reviews.class_names)
    os.makedirs(config.output_dir, exist_ok=True)
    rows = []
    for number, (train_idx, test_idx) in enumerate(folds, 1):
        fold_config = dataclasses.replace(
            config, output_dir=os.path.join(config.output_dir, f'fold-{number}'))
        data = fold_dataset(reviews.texts, reviews.labels, train_idx, test_idx, fold_config, source,
                            reviews.class_names)
        metrics = run_training(fold_config, data)
        rows.append({'fold': number, 'output_dir': fold_config.output_dir,
                     'test_accuracy': metrics['test_accuracy'],
                     'val_accuracy': metrics['val_accuracy'], 'best_epoch': metrics['best_epoch'],
                     'sizes': metrics['sizes']})
        log.info('fold %d/%d: test accuracy %.4f', number, config.cv, metrics['test_accuracy'])
    accuracies = np.array([row['test_accuracy'] for row in rows])
    summary = {'k': config.cv, 'data': source, 'folds': rows,
               'mean_accuracy': float(accuracies.mean()), 'std_accuracy': float(accuracies.std())}
    write_json(os.path.join(config.output_dir, CV_SUMMARY), summary)
    log.info('%d-fold cross-validation: accuracy %.4f ± %.4f', config.cv,
             summary['mean_accuracy'], summary['std_accuracy'])
    return summary
