"""Checks of a prepared corpus that stop on unusable data and warn about doubtful data.

* A training split with one class only cannot train a classifier: an
  error; so is a class of the data with no example in the training split
  (too few examples for the split).
* A minority class below :data:`IMBALANCE_WARNING` of the training split
  (with K classes: below that fraction of an equal share, ``1/K``): a
  warning that points to ``--class-weight balanced``, since accuracy then
  mostly measures the majority class.
* Reviews with no token after cleaning (empty files, or text without any
  ASCII letter, digit or kept punctuation): a warning with their count. They
  are kept, encoded as padding only, because they still carry a label.
* ``--vocab-size`` above the number of distinct training tokens: an info
  line that the vocabulary holds all of them, and is smaller than asked
  (the model is sized to the real vocabulary).
"""
import logging

from typing import Sequence

import numpy as np

from ..errors import DataError
from .labels import BINARY_CLASSES

__all__ = ['IMBALANCE_WARNING', 'check_corpus']

log = logging.getLogger(__name__)

#: warn when the smaller class is under this fraction of the training split
IMBALANCE_WARNING = 0.2


def check_corpus(source: str, train_labels: np.ndarray, lengths: np.ndarray, vocab_size: int,
                 vocab_words: int, class_names: Sequence[str] = BINARY_CLASSES) -> None:
    """Check the training labels, empty reviews and the vocabulary size of a corpus.

    Parameters
    ----------
    source : str
        The data path, for messages.
    train_labels : numpy.ndarray
        Labels of the training split.
    lengths : numpy.ndarray
        Number of tokens of every review (an empty review has 0).
    vocab_size : int
        The asked ``--vocab-size``.
    vocab_words : int
        Words in the vocabulary built with ``max_size=vocab_size``, that is,
        at most the distinct tokens of the training split.
    class_names : sequence of str
        The classes of the data, by label.

    Raises
    ------
    DataError
        If the training split holds one class only, or misses a class.
    """
    k = len(class_names)
    counts = np.bincount(np.asarray(train_labels, dtype=np.int64), minlength=k)
    if (counts > 0).sum() < 2 and k == 2:
        raise DataError(f'{source}: the training split holds only one class '
                        f'({counts[1]} positive, {counts[0]} negative reviews); a sentiment '
                        'classifier needs both positive and negative reviews')
    missing = [name for name, n in zip(class_names, counts) if n == 0]
    if missing:
        raise DataError(f'{source}: class {missing[:5]} has no example in the training split '
                        f'(training counts: {dict(zip(class_names, counts.tolist()))}); too few '
                        'examples for the split: add examples of it or leave it out of --labels')
    minority = counts.min() / counts.sum()
    if minority < IMBALANCE_WARNING * 2 / k:
        if k == 2:
            log.warning('%s: imbalanced classes in the training split: %d positive, %d negative '
                        '(%.1f%% in the smaller class); accuracy will mostly reflect the larger '
                        'class; --class-weight balanced trains every class as often, '
                        '--max-examples draws a class-balanced subset', source, counts[1],
                        counts[0], 100 * minority)
        else:
            log.warning('%s: imbalanced classes in the training split: %s (%.1f%% in the '
                        'smallest class); accuracy will mostly reflect the larger ones; '
                        '--class-weight balanced trains every class as often', source,
                        ', '.join(f'{n} {name}' for name, n in zip(class_names, counts)),
                        100 * minority)
    empty = int(np.count_nonzero(np.asarray(lengths) == 0))
    if empty:
        log.warning('%s: %d of %d reviews have no token after cleaning (empty, or no ASCII '
                    'letter or digit); they are kept, encoded as padding', source, empty,
                    len(lengths))
    if vocab_size > vocab_words:
        log.info('--vocab-size %d: the training split has only %d distinct tokens; the '
                    'vocabulary holds all of them', vocab_size, vocab_words)
