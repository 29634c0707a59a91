"""Train/validation/test splits and class-balanced subsets.

The default is the tutorial's protocol: ``train_test_split(test_size=0.3,
random_state=42)`` on all reviews, then the same call with ``test_size=0.3``
on what remains to take the validation set. Splits are made on indices, so
they are the same as the tutorial's splits of its arrays.
"""
from typing import Dict, Optional, Sequence

import numpy as np
from sklearn.model_selection import train_test_split

from ..errors import DataError

__all__ = ['split_indices', 'full_split_indices', 'holdout_indices', 'balanced_subset']


def split_indices(num_examples: int, test_size: Optional[float] = 0.3, val_size: float = 0.3,
                  random_state: int = 42) -> Dict[str, np.ndarray]:
    """Split ``range(num_examples)`` into train, validation and test indices.

    Parameters
    ----------
    num_examples : int
        Number of examples.
    test_size : float or None, default 0.3
        Fraction held out for testing; ``None`` when a separate test set is
        given, and then only validation is split off.
    val_size : float, default 0.3
        Fraction of the remainder held out for validation.
    random_state : int, default 42
        Seed of both splits.

    Returns
    -------
    dict
        ``{'train': ..., 'val': ..., 'test': ...}`` index arrays
        (``'test'`` is absent when ``test_size`` is None).
    """
    needed = 3 if test_size else 2
    if num_examples < needed:
        raise DataError(f'{num_examples} reviews cannot be split into train, validation'
                        f'{" and test" if test_size else ""} sets; give at least {needed}')
    indices = np.arange(num_examples)
    out = {}
    if test_size:
        indices, out['test'] = train_test_split(indices, test_size=test_size,
                                                random_state=random_state)
    out['train'], out['val'] = train_test_split(indices, test_size=val_size,
                                                random_state=random_state)
    return out


def full_split_indices(labels: np.ndarray, val_size: float = 0.05, random_state: int = 42,
                       class_names: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    """Split off a small stratified validation slice and train on the rest (``--protocol full``).

    There is no test split: test on a separate set (``--test-data``).

    Parameters
    ----------
    labels : numpy.ndarray
        Class of each example (the slice keeps the class proportions).
    val_size : float, default 0.05
        Fraction held out for validation.
    random_state : int, default 42
        Seed of the split.
    class_names : sequence of str, optional
        The classes by label, named in the error of a class too small to split.

    Returns
    -------
    dict
        ``{'train': ..., 'val': ...}`` index arrays.

    Raises
    ------
    DataError
        If a class has fewer than 2 examples (naming it), or the slice
        cannot hold one example of each class.
    """
    labels = np.asarray(labels)
    num_val = int(np.ceil(val_size * len(labels)))
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) and counts.min() < 2:
        names = [str(c) if class_names is None else class_names[c] for c in classes]
        rare = ', '.join(f'{name!r} ({n})' for name, n in zip(names, counts) if n < 2)
        raise DataError(f'--protocol full: too few examples of class {rare} for a stratified '
                        'validation slice, which needs at least 2 of each class; add examples '
                        'of it or leave it out of --labels')
    if len(labels) - num_val < 1 or num_val < len(classes):
        raise DataError(f'{len(labels)} reviews cannot be split into a training set and a '
                        f'stratified {val_size:.0%} validation slice; give more reviews or a '
                        'larger --full-val-size')
    train, val = train_test_split(np.arange(len(labels)), test_size=num_val,
                                  random_state=random_state, stratify=labels)
    return {'train': train, 'val': val}


def holdout_indices(labels: np.ndarray, test_fraction: float = 0.2,
                    random_state: int = 42) -> Dict[str, np.ndarray]:
    """Hold out a stratified ``test_fraction`` of a labelled set, once, before any training.

    The split of ``benchmarks/bench_peers.py`` and ``examples/train_pretrained.py``
    (the shipped model never saw that benchmark's held-out reviews).

    Returns
    -------
    dict
        ``{'train': ..., 'test': ...}`` index arrays (sklearn's order).
    """
    train, test = train_test_split(np.arange(len(labels)), test_size=test_fraction,
                                   random_state=random_state, stratify=np.asarray(labels))
    return {'train': train, 'test': test}


def balanced_subset(labels: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Draw ``size`` indices, as equally as possible from each class.

    Parameters
    ----------
    labels : numpy.ndarray
        Class label of each example.
    size : int
        Number of indices to draw; all of them if ``size >= len(labels)``.
    seed : int
        Seed of the draw.

    Returns
    -------
    numpy.ndarray
        Sorted indices, so the subset keeps the reading order.
    """
    labels = np.asarray(labels)
    if size >= len(labels):
        return np.arange(len(labels))
    rng = np.random.RandomState(seed)
    classes = np.unique(labels)
    per_class = [size // len(classes) + (i < size % len(classes)) for i in range(len(classes))]
    chosen = []
    for cls, want in zip(classes, per_class):
        members = np.flatnonzero(labels == cls)
        chosen.append(rng.choice(members, min(want, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))
