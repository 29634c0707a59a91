"""Classification metrics of predicted probabilities, and the most confident mistakes.

:func:`classification_metrics` is the binary report (positive class 1);
:func:`multiclass_metrics` the report of any number of classes, which a
binary evaluation adds too (``macro_f1``, ``per_class``).
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from sklearn import metrics as skm

from ..data.reader import Reviews
from ..inference.classifier import LABELS

__all__ = ['classification_metrics', 'multiclass_metrics', 'confident_errors']


def classification_metrics(y_true: np.ndarray, p_positive: np.ndarray,
                           threshold: float = 0.5) -> Dict[str, Any]:
    """Accuracy, precision, recall, F1, ROC-AUC and the confusion matrix.

    Parameters
    ----------
    y_true : numpy.ndarray
        True labels, 1 positive and 0 negative.
    p_positive : numpy.ndarray
        Predicted probability of the positive class.
    threshold : float, default 0.5
        A text is predicted positive when ``p_positive > threshold``.

    Returns
    -------
    dict
        ``accuracy``, ``precision``, ``recall``, ``f1`` (of the positive
        class), ``roc_auc`` (None when only one class occurs),
        ``confusion_matrix`` ``[[TN, FP], [FN, TP]]`` (rows true, columns
        predicted), ``n`` and ``n_positive``.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    p_positive = np.asarray(p_positive, dtype=np.float64)
    y_pred = (p_positive > threshold).astype(np.int64)
    both = len(np.unique(y_true)) == 2
    return {
        'accuracy': float(skm.accuracy_score(y_true, y_pred)),
        'precision': float(skm.precision_score(y_true, y_pred, zero_division=0)),
        'recall': float(skm.recall_score(y_true, y_pred, zero_division=0)),
        'f1': float(skm.f1_score(y_true, y_pred, zero_division=0)),
        'roc_auc': float(skm.roc_auc_score(y_true, p_positive)) if both else None,
        'confusion_matrix': skm.confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist(),
        'n': int(len(y_true)),
        'n_positive': int(y_true.sum()),
    }


def multiclass_metrics(y_true: np.ndarray, probs: np.ndarray,
                       class_names: Sequence[str]) -> Dict[str, Any]:
    """Accuracy, per-class precision/recall/F1, macro-F1, the KxK confusion matrix, ROC-AUC.

    Parameters
    ----------
    y_true : numpy.ndarray
        True class indices.
    probs : numpy.ndarray
        Predicted probabilities ``(n, K)``; the prediction is the argmax.
    class_names : sequence of str
        Name of each class.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``per_class`` (name -> ``precision``,
        ``recall``, ``f1``, ``support``), ``confusion_matrix`` (rows true,
        columns predicted, in class order), ``roc_auc`` (one-vs-rest, the
        unweighted mean over the classes; None unless every class occurs),
        ``class_names`` and ``n``.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    probs = np.asarray(probs, dtype=np.float64)
    k = len(class_names)
    y_pred = probs.argmax(axis=1)
    classes = list(range(k))
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=classes, zero_division=0)
    every = len(np.unique(y_true)) == k
    if k == 2:
        auc = float(skm.roc_auc_score(y_true, probs[:, 1])) if every else None
    else:
        auc = float(skm.roc_auc_score(y_true, probs, multi_class='ovr', average='macro',
                                      labels=classes)) if every else None
    return {
        'accuracy': float(skm.accuracy_score(y_true, y_pred)),
        'macro_f1': float(np.mean(f1)),
        'per_class': {name: {'precision': float(p), 'recall': float(r), 'f1': float(f),
                             'support': int(n)}
                      for name, p, r, f, n in zip(class_names, precision, recall, f1, support)},
        'confusion_matrix': skm.confusion_matrix(y_true, y_pred, labels=classes).tolist(),
        'roc_auc': auc,
        'class_names': list(class_names),
        'n': int(len(y_true)),
    }


def confident_errors(reviews: Reviews, p_positive: np.ndarray, k: int = 10,
                     max_chars: int = 300,
                     class_names: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
    """The ``k`` misclassified texts the model was surest of, surest first.

    ``p_positive`` is ``P(positive)`` ``(n,)`` of a binary model, or the
    probabilities ``(n, K)`` of any model. Each entry holds ``source``,
    ``true`` and ``predicted`` class names, ``p_positive`` (binary) or
    ``p_predicted`` (``(n, K)`` input) and the ``text`` cut to
    ``max_chars`` characters.
    """
    probs = np.asarray(p_positive, dtype=np.float64)
    if probs.ndim == 1:
        names, key = LABELS, 'p_positive'
        predicted = (probs > 0.5).astype(np.int64)
        shown = probs
        confidence = np.abs(probs - 0.5)
    else:
        names, key = tuple(class_names or LABELS), 'p_predicted'
        predicted = probs.argmax(axis=1)
        shown = confidence = probs.max(axis=1)
    wrong = np.flatnonzero(predicted != reviews.labels)
    out = []
    for i in wrong[np.argsort(-confidence[wrong], kind='stable')][:k]:
        text = reviews.texts[i]
        out.append({'source': reviews.sources[i] if reviews.sources else str(i),
                    'true': names[reviews.labels[i]], 'predicted': names[predicted[i]],
                    key: float(shown[i]),
                    'text': text if len(text) <= max_chars else text[:max_chars] + '...'})
    return out
