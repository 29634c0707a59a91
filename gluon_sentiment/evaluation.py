"""Measure a trained run on labelled data: metrics, confusion matrix, confident mistakes.

::

    report = evaluate_run('runs/multikernel', 'my_reviews.csv', out_dir='eval')
    report['metrics']['f1'], report['confident_errors'][0]

Metrics come from scikit-learn; the positive class is 1. The report is
written to ``OUT_DIR/evaluation.json`` and the confusion matrix to
``OUT_DIR/confusion_matrix.png``.
"""
import logging
import os
import time
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from sklearn import metrics as skm

from . import plots, rundir
from .data.formats import load_dataset
from .data.reader import Reviews
from .predictor import LABELS, load_model

__all__ = ['REPORT', 'CONFUSION_PNG', 'classification_metrics', 'confident_errors',
           'evaluate_run']

log = logging.getLogger(__name__)

REPORT = 'evaluation.json'
CONFUSION_PNG = 'confusion_matrix.png'


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


def evaluate_run(model_dir: str, data: str, out_dir: Optional[str] = None,
                 format: Optional[str] = None,  # pylint: disable=redefined-builtin
                 labels: Union[str, Sequence[str], None] = None, text_column: str = 'text',
                 label_column: str = 'label', top_errors: int = 10) -> Dict[str, Any]:
    """Evaluate the run in ``model_dir`` on the labelled data at ``data``.

    Parameters
    ----------
    model_dir : str
        A training run directory.
    data : str
        Any dataset :func:`~gluon_sentiment.data.formats.load_dataset` reads;
        ``format``, ``labels``, ``text_column`` and ``label_column`` are
        passed on to it.
    out_dir : str, optional
        Where ``evaluation.json`` and ``confusion_matrix.png`` go (default:
        ``MODEL_DIR/eval-<name of data>``).
    top_errors : int, default 10
        How many confidently wrong examples to list.

    Returns
    -------
    dict
        ``metrics`` (see :func:`classification_metrics`),
        ``confident_errors``, ``model``, ``data``, ``seconds`` and the paths
        of the files written.
    """
    start = time.perf_counter()
    clf = load_model(model_dir)  # a folder that is not a run fails here, before reading data
    reviews = load_dataset(data, format, labels, text_column, label_column)
    p_positive = clf.predict_proba(reviews.texts)[:, 1]
    if out_dir is None:
        name = os.path.basename(os.path.normpath(data)).split('.')[0] or 'data'
        out_dir = os.path.join(model_dir, f'eval-{name}')
    os.makedirs(out_dir, exist_ok=True)
    result = classification_metrics(reviews.labels, p_positive)
    report = {'model': model_dir, 'data': data, 'metrics': result,
              'confident_errors': confident_errors(reviews, p_positive, top_errors),
              'report': os.path.join(out_dir, REPORT),
              'confusion_png': os.path.join(out_dir, CONFUSION_PNG)}
    plots.plot_confusion_matrix(np.array(result['confusion_matrix']), report['confusion_png'],
                                LABELS, f'{os.path.basename(os.path.normpath(data))}: '
                                        f'accuracy {result["accuracy"]:.3f}')
    report['seconds'] = round(time.perf_counter() - start, 3)
    rundir.write_json(report['report'], report)
    log.info('%s on %s: accuracy %.4f, F1 %.4f, ROC-AUC %s (%d texts, %.1f s)', model_dir, data,
             result['accuracy'], result['f1'], result['roc_auc'], result['n'], report['seconds'])
    return report
