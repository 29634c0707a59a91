"""What a run optimizes and selects by: class weights of the loss, the selection metric, thresholds.

``--class-weight``
    ``none``: every example weighs 1 (the plain mean cross-entropy).
    ``balanced``: class ``k`` weighs ``n / (K * n_k)`` on the training split
    (scikit-learn's ``class_weight='balanced'``), so each class adds the same
    total weight. ``w1,w2,...``: the given weights, in class order. The
    loss of a batch is ``sum_i w[y_i] * CE_i / batch_size``
    (:class:`ClassWeightedLoss`); validation losses stay unweighted.
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

__all__ = ['class_weight_vector', 'ClassWeightedLoss', 'training_loss', 'macro_f1',
           'confusion_macro_f1', 'selection_score', 'choose_threshold']


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


def training_loss(config, data, ctx) -> gluon.loss.Loss:
    """The loss of a run: softmax cross-entropy, weighted by class as ``config.class_weight`` says.

    Parameters
    ----------
    config : TrainConfig
        ``class_weight`` is read.
    data : Dataset
        Its training labels and class names size the weights.
    ctx : list of Context
        The training contexts.
    """
    k = len(data.class_names)
    weights = class_weight_vector(config.class_weight, config.class_weights(k),
                                  data.splits['train'][1], k)
    if weights is None:
        return gluon.loss.SoftmaxCrossEntropyLoss()
    log.info('--class-weight %s: %s', config.class_weight,
             ', '.join(f'{name} {w:.3f}' for name, w in zip(data.class_names, weights)))
    return ClassWeightedLoss(weights, ctx)


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    return np.bincount(num_classes * np.asarray(y_true, np.int64) + np.asarray(y_pred, np.int64),
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> float:
    """Unweighted mean over the ``num_classes`` classes of each class's F1 (0 for an empty one)."""
    return confusion_macro_f1(_confusion(y_true, y_pred, num_classes))


def confusion_macro_f1(matrix: np.ndarray) -> float:
    """Macro-F1 of a confusion matrix (rows true, columns predicted)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    denominator = matrix.sum(axis=0) + matrix.sum(axis=1)
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    return float(f1.mean())


def selection_score(row: Dict[str, float], metric: str, prefix: str = 'val_') -> float:
    """The selection metric of a metrics row, larger better (``loss`` is negated)."""
    value = row[prefix + metric]
    return -value if metric == 'loss' else value


def choose_threshold(p_positive: np.ndarray, y: np.ndarray, metric: str) -> float:
    """The threshold on ``P(positive)`` that maximizes ``metric`` (accuracy or macro-F1) on ``y``.

    Candidates are 0.5 and the midpoints between consecutive distinct
    probabilities; ties go to the one closest to 0.5. For ``metric ==
    'loss'`` (which a threshold does not change) accuracy is used.
    """
    p = np.asarray(p_positive, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    values = np.unique(p)
    candidates = np.concatenate([[0.5], (values[1:] + values[:-1]) / 2 if len(values) > 1 else []])
    best, best_score = 0.5, -np.inf
    for t in candidates[np.argsort(np.abs(candidates - 0.5), kind='stable')]:
        pred = (p > t).astype(np.int64)
        score = macro_f1(y, pred, 2) if metric == 'macro_f1' else float((pred == y).mean())
        if score > best_score + 1e-12:
            best, best_score = float(t), score
    return best
