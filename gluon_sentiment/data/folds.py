"""Stratified K-fold splits, the protocol of Kim's CNN paper on sentence datasets."""
import itertools
from typing import List, Optional, Sequence, Tuple

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from ..errors import ConfigError
from .config import DataConfig
from .labels import BINARY_CLASSES
from .pipeline import Dataset, encode_splits

__all__ = ['stratified_folds', 'fold_dataset']


def stratified_folds(labels: np.ndarray, k: int, seed: int = 42,
                     class_names: Optional[Sequence[str]] = None
                     ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Seeded stratified K-fold split of ``range(len(labels))``.

    ``class_names`` (by label) are named in the error of a class too small.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        ``k`` pairs of (training indices, held-out indices); the held-out
        parts are disjoint and together cover every example once.

    Raises
    ------
    ConfigError
        If ``k < 2``, or a class has fewer than ``k`` examples or too few
        to leave 2 in every fold's training part (which
        :func:`fold_dataset` splits, stratified, into training and
        validation).
    """
    if k < 2:
        raise ConfigError(f'--cv {k}: needs at least 2 folds')
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(labels) if len(labels) else np.zeros(1, np.int64)
    # a fold holds out ceil(n / k) of a class's n examples at most and keeps the rest
    too_few = [c for c, n in enumerate(counts) if n < k or n - -(-n // k) < 2]
    if too_few:
        c, n = too_few[0], int(counts[too_few[0]])
        name = str(c) if class_names is None else class_names[c]
        needed = next(m for m in itertools.count(k) if m - -(-m // k) >= 2)
        hint = f'use --cv {n} or add examples of it' if n >= 3 else 'add examples of it'
        raise ConfigError(f'--cv {k}: class {name!r} has {n} example(s); {k} stratified folds '
                          f'need at least {needed} of each class (one part held out per fold, '
                          f'2 left to split off validation): {hint}, or leave it out of '
                          '--labels')
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(labels)), labels))


def fold_dataset(texts: Sequence[str], labels: np.ndarray, train_idx: np.ndarray,
                 test_idx: np.ndarray, config: DataConfig, source: str,
                 class_names: Sequence[str] = BINARY_CLASSES) -> Dataset:
    """Encode one fold: validation split off its training part, vocabulary on the rest.

    The same :func:`~gluon_sentiment.data.pipeline.encode_splits` as training
    encodes the fold, so no held-out word enters its vocabulary.
    """
    try:
        train_idx, val_idx = train_test_split(train_idx, test_size=config.val_size,
                                              random_state=config.split_seed,
                                              stratify=labels[train_idx])
    except ValueError as err:  # too few examples for a stratified split of this size
        counts = np.bincount(labels[train_idx], minlength=len(class_names))
        raise ConfigError(f'--cv: a fold\'s {len(train_idx)} training examples '
                          f'({dict(zip(class_names, counts.tolist()))}) cannot give a stratified '
                          f'--val-size {config.val_size} validation split ({err}); add examples '
                          'or change --val-size') from None
    index = {'train': train_idx, 'val': val_idx, 'test': test_idx}
    return encode_splits(texts, labels, index, config, source, class_names)
