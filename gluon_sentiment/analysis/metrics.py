"""Classification metrics of predicted probabilities, and the most confident mistakes."""
from typing import Any, Dict, List

import numpy as np
from sklearn import metrics as skm

from ..data.reader import Reviews
from ..inference.classifier import LABELS

__all__ = ['classification_metrics', 'confident_errors']


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


def confident_errors(reviews: Reviews, p_positive: np.ndarray, k: int = 10,
                     max_chars: int = 300) -> List[Dict[str, Any]]:
    """The ``k`` misclassified texts the model was surest of, surest first.

    Each entry holds ``source``, ``true`` and ``predicted`` label names,
    ``p_positive`` and the ``text`` cut to ``max_chars`` characters.
    """
    p_positive = np.asarray(p_positive, dtype=np.float64)
    predicted = (p_positive > 0.5).astype(np.int64)
    wrong = np.flatnonzero(predicted != reviews.labels)
    confidence = np.abs(p_positive[wrong] - 0.5)
    out = []
    for i in wrong[np.argsort(-confidence, kind='stable')][:k]:
        text = reviews.texts[i]
        out.append({'source': reviews.sources[i] if reviews.sources else str(i),
                    'true': LABELS[reviews.labels[i]], 'predicted': LABELS[predicted[i]],
                    'p_positive': float(p_positive[i]),
                    'text': text if len(text) <= max_chars else text[:max_chars] + '...'})
    return out
