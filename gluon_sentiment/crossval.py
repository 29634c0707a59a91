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
from typing import Any, Dict, List, Tuple

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from . import rundir
from .config import TrainConfig
from .data.download import download_imdb
from .data.formats import load_dataset
from .data.split import balanced_subset
from .data.text import tokenize
from .data.vocab import build_vocab, encode_batch
from .errors import ConfigError, DataError
from .experiment import Dataset, run_training

__all__ = ['CV_SUMMARY', 'stratified_folds', 'fold_dataset', 'run_cross_validation']

log = logging.getLogger(__name__)

#: file name of the cross-validation summary
CV_SUMMARY = 'cv.json'


def stratified_folds(labels: np.ndarray, k: int, seed: int = 42
                     ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Seeded stratified K-fold split of ``range(len(labels))``.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        ``k`` pairs of (training indices, held-out indices); the held-out
        parts are disjoint and together cover every example once.

    Raises
    ------
    ConfigError
        If a class has fewer than ``k`` examples.
    """
    labels = np.asarray(labels)
    smallest = np.bincount(labels).min() if len(labels) else 0
    if k < 2 or smallest < k:
        raise ConfigError(f'--cv {k}: needs at least 2 folds and at least {max(k, 2)} examples '
                          f'of each class; the smallest class has {smallest}')
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(labels)), labels))


def fold_dataset(tokens: List[List[str]], labels: np.ndarray, train_idx: np.ndarray,
                 test_idx: np.ndarray, config: TrainConfig, source: str) -> Dataset:
    """Encode one fold: validation split off its training part, vocabulary on the rest."""
    train_idx, val_idx = train_test_split(train_idx, test_size=config.val_size,
                                          random_state=config.split_seed,
                                          stratify=labels[train_idx])
    vocab = build_vocab((tokens[i] for i in train_idx), config.vocab_size)
    splits = {}
    for name, idx in (('train', train_idx), ('val', val_idx), ('test', test_idx)):
        X, lengths = encode_batch((tokens[i] for i in idx), vocab, config.seq_len,
                                  config.truncate)
        splits[name] = (X, labels[idx], lengths)
    return Dataset(vocab, splits, source)


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
    source = config.data or download_imdb()
    reviews = load_dataset(source, config.format, config.labels, config.text_column,
                           config.label_column)
    if config.max_examples:
        reviews = reviews.subset(balanced_subset(reviews.labels, config.max_examples, config.seed))
    if len(np.unique(reviews.labels)) < 2:
        raise DataError(f'{source}: holds only one class; cross-validation needs both')
    tokens = [tokenize(text) for text in reviews.texts]
    folds = stratified_folds(reviews.labels, config.cv, config.split_seed)
    os.makedirs(config.output_dir, exist_ok=True)
    rows = []
    for number, (train_idx, test_idx) in enumerate(folds, 1):
        fold_config = dataclasses.replace(
            config, output_dir=os.path.join(config.output_dir, f'fold-{number}'))
        data = fold_dataset(tokens, reviews.labels, train_idx, test_idx, fold_config, source)
        metrics = run_training(fold_config, data)
        rows.append({'fold': number, 'output_dir': fold_config.output_dir,
                     'test_accuracy': metrics['test_accuracy'],
                     'val_accuracy': metrics['val_accuracy'], 'best_epoch': metrics['best_epoch'],
                     'sizes': metrics['sizes']})
        log.info('fold %d/%d: test accuracy %.4f', number, config.cv, metrics['test_accuracy'])
    accuracies = np.array([row['test_accuracy'] for row in rows])
    summary = {'k': config.cv, 'data': source, 'folds': rows,
               'mean_accuracy': float(accuracies.mean()), 'std_accuracy': float(accuracies.std())}
    rundir.write_json(os.path.join(config.output_dir, CV_SUMMARY), summary)
    log.info('%d-fold cross-validation: accuracy %.4f ± %.4f', config.cv,
             summary['mean_accuracy'], summary['std_accuracy'])
    return summary
