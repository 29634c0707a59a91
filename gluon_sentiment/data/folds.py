"""Stratified K-fold splits, the protocol of Kim's CNN paper on sentence datasets."""
from typing import List, Sequence, Tuple

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from ..errors import ConfigError
from .config import DataConfig
from .labels import BINARY_CLASSES
from .pipeline import Dataset, encode_splits

__all__ = ['stratified_folds', 'fold_dataset']


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
    counts = np.bincount(labels) if len(labels) else np.zeros(1, np.int64)
    smallest = counts.min()
    if k < 2 or smallest < k:
        raise ConfigError(f'--cv {k}: needs at least 2 folds and at least {max(k, 2)} examples '
                          f'of each class; the smallest class (label {int(counts.argmin())}) '
                          f'has {smallest}: use fewer folds or add examples of it')
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(labels)), labels))


def fold_dataset(texts: Sequence[str], labels: np.ndarray, train_idx: np.ndarray,
                 test_idx: np.ndarray, config: DataConfig, source: str,
                 class_names: Sequence[str] = BINARY_CLASSES) -> Dataset:
    """Encode one fold: validation split off its training part, vocabulary on the rest.

    The same :func:`~gluon_sentiment.data.pipeline.encode_splits` as training
    encodes the fold, so no held-out word enters its vocabulary.
    """
    train_idx, val_idx = train_test_split(train_idx, test_size=config.val_size,
                                          random_state=config.split_seed,
                                          stratify=labels[train_idx])
    index = {'train': train_idx, 'val': val_idx, 'test': test_idx}
    return encode_splits(texts, labels, index, config, source, class_names)
