"""What a run optimizes and selects by: class weights of the loss, the selection metric, thresholds.

``--class-weight``
    ``none``: every example weighs 1 (the plain mean cross-entropy).
    ``balanced``: class ``k`` weighs ``n / (K * n_k)`` on the training split
    (scikit-learn's ``class_weight='balanced'``), so each class adds the same
    total weight and the mean weight of a training example is 1.
    ``w1,w2,...``: the given weights, in class order.
``--class-weight-mode``
    ``sample`` (default): each epoch draws as many examples as the training
    split holds, class ``k`` in proportion to ``w_k * n_k``
    (:func:`sample_epoch`; balanced: every class equally often, a rare
    class's examples repeated, a common class's subsampled), and the loss
    is the plain mean cross-entropy; its expectation is that of the
    weighted loss. ``loss``: every example once, the loss of a batch
    ``sum_i w[y_i] * CE_i / batch_size`` (:class:`ClassWeightedLoss`).
    Measured on a 10:1 IMDB folder (README), sampling learns the rare
    class faster: a batch of 64 holds some 6 rare examples weighing 5.3
    each under ``loss``, a noisy gradient that Adam answers with small steps.
    With class weights, validation reports ``val_weighted_accuracy`` and
    ``val_weighted_loss`` too (every example counting ``w[y]``: for
    ``balanced`` the mean recall of the classes), which then select the
    epoch for ``accuracy`` and ``loss``, and calibration is fitted for the
    weighted population (see :mod:`gluon_sentiment.training.calibrate`).
``--select-metric``
    ``accuracy`` (default), ``macro_f1`` or ``loss`` on the validation split
    picks the best epoch, drives ``--patience`` and ``--threshold auto``
    (:func:`selection_score`: larger is better; the loss counts negated).
``--threshold auto``
    Binary runs: the threshold on ``P(positive)`` that maximizes the
    selection metric on the validation split (:func:`choose_threshold`).
"""
import logging
from typing import Dict, Optional, Sequence

import mxnet as mx
import numpy as np
from mxnet import gluon

from ..errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ['class_weight_vector', 'run_class_weights', 'sample_epoch', 'ClassWeightedLoss',
           'training_loss', 'macro_f1', 'confusion_macro_f1', 'selection_score',
           'choose_threshold']


def class_weight_vector(spec: str, weights: Optional[Sequence[float]], train_labels: np.ndarray,
                        num_classes: int) -> Optional[np.ndarray]:
    """The per-class loss weights of ``--class-weight`` (None for ``none``).

    Parameters
    ----------
    spec : str
        ``'none'``, ``'balanced'`` or the list as given.
    weights : sequence of float, optional
        The parsed list (see :meth:`TrainConfig.class_weights`).
    train_labels : numpy.ndarray
        Labels of the training split (for ``balanced``).
    num_classes : int
        K.
    """
    if spec == 'none':
        return None
    if spec == 'balanced':
        counts = np.bincount(np.asarray(train_labels, np.int64), minlength=num_classes)
        if counts.min() == 0:
            raise ConfigError('--class-weight balanced: a class has no training example')
        return len(train_labels) / (num_classes * counts.astype(np.float64))
    return np.asarray(weights, dtype=np.float64)


class ClassWeightedLoss(gluon.loss.SoftmaxCrossEntropyLoss):
    """Softmax cross-entropy with each example weighted by its class: ``w[y] * CE``.

    Parameters
    ----------
    weights : sequence of float
        One weight per class.
    ctx : list of Context
        Where the weights are kept (the training contexts).

    The sample weight passed by the engine (0 for filler rows) multiplies
    the class weight.
    """

    def __init__(self, weights: Sequence[float], ctx, **kwargs):
        super().__init__(**kwargs)
        self._weights = {c: mx.nd.array(np.asarray(weights, np.float32), ctx=c) for c in ctx}

    def forward(self, pred, label, sample_weight=None):  # pylint: disable=arguments-differ
        """Per-example weighted losses ``(batch,)``."""
        weight = mx.nd.take(self._weights[pred.context], label.astype('int64')).reshape((-1, 1))
        if sample_weight is not None:
            weight = weight * sample_weight
        return super().forward(pred, label, weight)


def run_class_weights(config, data) -> Optional[np.ndarray]:
    """The class weights of a run (None for ``--class-weight none``), logged once.

    Parameters
    ----------
    config : TrainConfig
        ``class_weight`` and ``class_weight_mode`` are read.
    data : Dataset
        Its training labels and class names size the weights.
    """
    k = len(data.class_names)
    weights = class_weight_vector(config.class_weight, config.class_weights(k, data.class_names),
                                  data.splits['train'][1], k)
    if weights is not None:
        log.info('--class-weight %s (--class-weight-mode %s): %s', config.class_weight,
                 config.class_weight_mode,
                 ', '.join(f'{name} {w:.3f}' for name, w in zip(data.class_names, weights)))
    return weights


def sample_epoch(labels: np.ndarray, weights: Sequence[float], seed: int,
                 epoch: int) -> np.ndarray:
    """The training examples of one epoch under ``--class-weight-mode sample``: an index array.

    As many draws as ``labels`` has, class ``k`` getting its share
    ``w_k * n_k / sum_j w_j * n_j`` (rounded by largest remainders). A
    class's draws go through its examples in a random order, then in
    another, and so on, so that no example repeats before every other of
    its class has come once. A pure function of its arguments, so a resumed
    run draws what an uninterrupted one would; the order is shuffled later
    (:func:`~gluon_sentiment.training.engine.epoch_batches`).
    """
    labels = np.asarray(labels, dtype=np.int64)
    k = len(weights)
    counts = np.bincount(labels, minlength=k)
    mass = np.asarray(weights, dtype=np.float64) * counts
    share = len(labels) * mass / mass.sum()
    draws = np.floor(share).astype(np.int64)
    draws[np.argsort(draws - share, kind='stable')[:len(labels) - draws.sum()]] += 1
    rng = np.random.RandomState([seed, epoch, 104729])
    chosen = []
    for cls in range(k):
        members = np.flatnonzero(labels == cls)
        if draws[cls] and len(members):
            rounds = -(-draws[cls] // len(members))
            chosen.append(np.concatenate([rng.permutation(members)
                                          for _ in range(rounds)])[:draws[cls]])
    return np.concatenate(chosen) if chosen else np.zeros(0, np.int64)


def training_loss(config, weights: Optional[np.ndarray], ctx) -> gluon.loss.Loss:
    """The loss of a run: softmax cross-entropy, weighted by class under ``--class-weight-mode loss``.

    Parameters
    ----------
    config : TrainConfig
        ``class_weight_mode`` is read.
    weights : numpy.ndarray or None
        The run's class weights (:func:`run_class_weights`).
    ctx : list of Context
        The training contexts.
    """
    if weights is None or config.class_weight_mode == 'sample':
        return gluon.loss.SoftmaxCrossEntropyLoss()
    return ClassWeightedLoss(weights, ctx)


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int,
               weights: Optional[np.ndarray] = None) -> np.ndarray:
    return np.bincount(num_classes * np.asarray(y_true, np.int64) + np.asarray(y_pred, np.int64),
                       weights=weights,
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int,
             weights: Optional[np.ndarray] = None) -> float:
    """Unweighted mean over the ``num_classes`` classes of each class's F1 (0 for an empty one).

    ``weights`` (one per example) count each example that much in the confusion matrix.
    """
    return confusion_macro_f1(_confusion(y_true, y_pred, num_classes, weights))


def confusion_macro_f1(matrix: np.ndarray) -> float:
    """Macro-F1 of a confusion matrix (rows true, columns predicted)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    denominator = matrix.sum(axis=0) + matrix.sum(axis=1)
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    return float(f1.mean())


def selection_score(row: Dict[str, float], metric: str, prefix: str = 'val_') -> float:
    """The selection metric of a metrics row, larger better (``loss`` is negated).

    A row of a run with class weights holds ``val_weighted_accuracy`` and
    ``val_weighted_loss``; they stand for ``accuracy`` and ``loss``.
    """
    value = row.get(f'{prefix}weighted_{metric}', row[prefix + metric])
    return -value if metric == 'loss' else value


def choose_threshold(p_positive: np.ndarray, y: np.ndarray, metric: str,
                     weights: Optional[np.ndarray] = None) -> float:
    """The threshold on ``P(positive)`` that maximizes ``metric`` (accuracy or macro-F1) on ``y``.

    Candidates are 0.5 and the midpoints between consecutive distinct
    probabilities; ties go to the one closest to 0.5. For ``metric ==
    'loss'`` (which a threshold does not change) accuracy is used.
    ``weights`` (one per example, a run's ``class_weights[y]``) weight both.
    """
    p = np.asarray(p_positive, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    values = np.unique(p)
    candidates = np.concatenate([[0.5], (values[1:] + values[:-1]) / 2 if len(values) > 1 else []])
    best, best_score = 0.5, -np.inf
    for t in candidates[np.argsort(np.abs(candidates - 0.5), kind='stable')]:
        pred = (p > t).astype(np.int64)
        score = (macro_f1(y, pred, 2, w) if metric == 'macro_f1'
                 else float(np.dot(w, pred == y) / w.sum()))
        if score > best_score + 1e-12:
            best, best_score = float(t), score
    return best
