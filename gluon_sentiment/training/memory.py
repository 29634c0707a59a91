"""Training from Python on texts and labels in memory, through the same pipeline as paths.

::

    import gluon_sentiment as gs
    clf = gs.train_classifier(texts, ['neg', 'neutral', 'pos', ...], output_dir='runs/mine',
                              epochs=3)
    clf.predict_proba(['not bad at all'])

The labels follow the rule of :mod:`gluon_sentiment.data.labels` (known
binary names, else classes as found, numbers numerically; ``classes=``
gives the order); the texts become a
:class:`~gluon_sentiment.data.Reviews` that
:func:`~gluon_sentiment.data.prepare_data` splits and encodes exactly as a
file would be, and :func:`~gluon_sentiment.training.run_training` trains on
them. The run directory is complete (``config.json`` names no data path, so
``--resume`` cannot read the texts again).
"""
from typing import Any, Optional, Sequence

import numpy as np

from ..data.labels import label_indices
from ..data.pipeline import prepare_data
from ..data.reader import Reviews
from ..errors import ConfigError
from ..inference.loading import load_model
from .config import TrainConfig
from .fit import run_training

__all__ = ['train_classifier']


def train_classifier(texts: Sequence[str], labels: Sequence[Any],
                     classes: Optional[Sequence[str]] = None, **options):
    """Train a classifier on ``texts`` and their ``labels`` and return it, loaded from its run.

    Parameters
    ----------
    texts : sequence of str
        The training texts (split into train, validation and test as
        ``protocol`` says).
    labels : sequence
        One label per text: class names, numbers or booleans.
    classes : sequence of str, optional
        The class names in class order (``--labels``); default: the rule of
        :mod:`gluon_sentiment.data.labels`.
    **options
        Fields of :class:`~gluon_sentiment.training.TrainConfig`
        (``output_dir``, ``model``, ``epochs`` ...).

    Returns
    -------
    SentimentClassifier
        The best epoch's classifier, with the run's class names.

    Raises
    ------
    ConfigError
        If ``texts`` and ``labels`` differ in length, or an option is unknown.
    DataError
        If a label is empty or the labels give fewer than two classes.
    """
    texts = [str(text) for text in texts]
    labels = list(labels)
    if len(texts) != len(labels):
        raise ConfigError(f'{len(texts)} texts but {len(labels)} labels; give one label per text')
    try:
        config = TrainConfig(**options)
    except TypeError as err:
        raise ConfigError(f'train_classifier: {err}; options are TrainConfig fields') from None
    indices, names = label_indices(labels, classes)
    if classes is not None:
        config.labels = ','.join(classes)
    config.validate()
    reviews = Reviews(texts, np.asarray(indices, dtype=np.int64),
                      [f'<memory>:{i}' for i in range(len(texts))], 0, names)
    run_training(config, prepare_data(config, config.seed, reviews))
    return load_model(config.output_dir)
