"""From a data path to encoded splits: the one pipeline of training, cross-validation and recipes.

::

    data = prepare_data(DataConfig(data='aclImdb_train.tar.gz'))
    X, y, lengths = data.splits['train']

:func:`read_splits` reads (downloading IMDB when no path is given),
subsamples and splits; :func:`encode_splits` counts the vocabulary on the
training rows only and encodes every split in one
:func:`~gluon_sentiment.data.corpus.encode_corpus` pass.
"""
import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import gluonnlp as nlp
import numpy as np

from ..errors import DataError
from .checks import check_corpus
from .config import DataConfig
from .corpus import encode_corpus
from .download import download_imdb
from .formats import load_dataset
from .labels import BINARY_CLASSES
from .reader import Reviews
from .split import balanced_subset, full_split_indices, split_indices
from .vocab import AUTO, AUTO_MULTIPLE, AUTO_PERCENTILE

__all__ = ['Dataset', 'read_dataset', 'read_data', 'read_splits', 'encode_splits', 'prepare_data']

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """Encoded splits and the vocabulary built on the training split.

    ``splits`` maps ``'train'``, ``'val'`` and ``'test'`` to ``(X, y, lengths)``:
    int32 token indices ``(n, seq_len)``, int64 labels ``(n,)`` and int32
    valid lengths ``(n,)``; ``class_names`` names the labels.
    """
    vocab: nlp.Vocab
    splits: Dict[str, Any]
    source: str
    class_names: Tuple[str, ...] = BINARY_CLASSES

    def sizes(self) -> Dict[str, int]:
        """Examples per split."""
        return {name: len(split[1]) for name, split in self.splits.items()}


def read_dataset(path: str, config: DataConfig,
                 class_names: Optional[Sequence[str]] = None) -> Reviews:
    """Read the dataset at ``path`` as ``config``'s read fields say (format, labels, target ...).

    ``class_names`` (a training set's classes) stand in for a missing
    ``--labels`` when there are more than two, so that a test set's labels
    get the training set's indices even when a class is absent from it.
    """
    labels = config.labels
    if labels is None and class_names is not None and len(class_names) != 2 and (
            config.target == 'label'):
        labels = ','.join(class_names)
    reviews = load_dataset(path, config.format, labels, config.text_column, config.label_column,
                           target=config.target, rating_bins=config.rating_bins)
    if len(reviews.class_names) == 2:
        log.info('read %d reviews (%d positive) from %s', len(reviews),
                 int(reviews.labels.sum()), path)
    else:
        counts = np.bincount(reviews.labels, minlength=len(reviews.class_names))
        log.info('read %d reviews from %s: %s', len(reviews), path,
                 ', '.join(f'{n} {name}' for name, n in zip(reviews.class_names, counts)))
    return reviews


def read_data(config: DataConfig, seed: int = 0,
              reviews: Optional[Reviews] = None) -> Tuple[str, Reviews]:
    """Read ``config.data`` (downloading IMDB without it) and draw ``--max-examples`` of it.

    Returns the data source (the path read) and its reviews; ``seed`` draws
    the class-balanced subset. ``reviews`` given (texts in memory) replace
    reading ``config.data``; the source is then ``'<memory>'``.
    """
    if reviews is not None:
        source = config.data or '<memory>'
    else:
        source = config.data or download_imdb()
        reviews = read_dataset(source, config)
    if config.max_examples:
        reviews = reviews.subset(balanced_subset(reviews.labels, config.max_examples, seed))
    return source, reviews


def read_splits(config: DataConfig, seed: int = 0, reviews: Optional[Reviews] = None
                ) -> Tuple[str, Reviews, Dict[str, np.ndarray], Optional[Reviews]]:
    """Read and subsample the data (:func:`read_data`), then split it by ``config.protocol``.

    ``reviews`` given replace reading ``config.data`` (see :func:`read_data`).

    Returns
    -------
    (str, Reviews, dict, Reviews or None)
        The data source, its reviews, the index arrays of each split
        (``'train'``, ``'val'`` and, without ``--test-data`` under the
        tutorial protocol, ``'test'``), and the ``--test-data`` reviews.
    """
    source, reviews = read_data(config, seed, reviews)
    test = (read_dataset(config.test_data, config, reviews.class_names) if config.test_data
            else None)
    if test is not None and tuple(test.class_names) != tuple(reviews.class_names):
        raise DataError(f'--test-data {config.test_data}: its classes {list(test.class_names)} '
                        f'differ from those of --data ({list(reviews.class_names)}); name them '
                        'in order with --labels')
    if config.protocol == 'full':
        index = full_split_indices(reviews.labels, config.full_val_size, config.split_seed,
                                   reviews.class_names)
    else:
        index = split_indices(len(reviews), None if test else config.test_size, config.val_size,
                              config.split_seed)
    return source, reviews, index, test


def encode_splits(texts: Sequence[str], labels: np.ndarray, index: Dict[str, np.ndarray],
                  config: DataConfig, source: str,
                  class_names: Sequence[str] = BINARY_CLASSES) -> Dataset:
    """Tokenize and encode ``texts`` once, the vocabulary counted on ``index['train']`` only.

    Parameters
    ----------
    texts, labels : sequence of str, numpy.ndarray
        Every text and its label, in one order.
    index : dict
        Row indices of each split into ``texts``.
    config : DataConfig
        ``tokenizer``, ``vocab_size`` (None: as ``config.resolved()`` says),
        ``seq_len`` and ``truncate`` are used;
        ``seq_len='auto'`` is chosen from the ``index['train']`` texts (the
        matrices' width).
    source : str
        The data path, for messages and the :class:`Dataset`.
    class_names : sequence of str
        The name of each label.
    """
    config = config.resolved()  # the vocabulary size of the case
    vocab, X, lengths = encode_corpus(texts, index['train'], config.vocab_size, config.seq_len,
                                      config.truncate, config.tokenizer)
    splits = {name: (X[idx], labels[idx], lengths[idx]) for name, idx in index.items()}
    return Dataset(vocab, splits, source, tuple(class_names))


def prepare_data(config: DataConfig, seed: int = 0, reviews: Optional[Reviews] = None) -> Dataset:
    """Read, subsample, split (:func:`read_splits`), then encode (:func:`encode_splits`).

    The vocabulary is counted on the training split only; one
    :func:`~gluon_sentiment.data.corpus.encode_corpus` call tokenizes and encodes every
    split, ``--test-data`` included. ``reviews`` (texts in memory, see
    :func:`gluon_sentiment.data.labels.label_indices`) replace reading
    ``config.data``.
    """
    config = config.resolved()  # the vocabulary size of the case
    source, reviews, index, test = read_splits(config, seed, reviews)
    texts, labels = list(reviews.texts), reviews.labels
    own = list(index)  # the splits of --data, without --test-data
    if test is not None:
        n = len(reviews)
        texts += list(test.texts)
        labels = np.concatenate([labels, test.labels])
        index = {**index, 'test': np.arange(n, n + len(test))}
    data = encode_splits(texts, labels, index, config, source, reviews.class_names)
    lengths = np.concatenate([data.splits[name][2] for name in own])
    check_corpus(source, data.splits['train'][1], lengths, config.vocab_size,
                 len(data.vocab.token_to_idx) - 2,  # less <unk> and <pad>
                 reviews.class_names)
    log.info('vocabulary: %d tokens; split sizes %s', len(data.vocab), data.sizes())
    if config.seq_len == AUTO:
        log.info('--seq-len auto: %d tokens (the %dth percentile of the training texts\' token '
                 'counts, rounded up to a multiple of %d)', data.splits['train'][0].shape[1],
                 AUTO_PERCENTILE, AUTO_MULTIPLE)
    return data
