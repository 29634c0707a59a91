"""Evaluate a trained model on labelled data: the report of ``python -m gluon_sentiment.evaluate``.

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
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from ..artifacts.store import make_folder, write_json
from ..data.formats import load_dataset
from ..inference.classifier import LABELS
from ..inference.loading import load_model
from .plots import plot_confusion_matrix
from .metrics import classification_metrics, confident_errors

__all__ = ['REPORT', 'CONFUSION_PNG', 'evaluate_run']

log = logging.getLogger(__name__)

REPORT = 'evaluation.json'
CONFUSION_PNG = 'confusion_matrix.png'


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
    make_folder(out_dir)
    result = classification_metrics(reviews.labels, p_positive)
    report = {'model': model_dir, 'data': data, 'metrics': result,
              'confident_errors': confident_errors(reviews, p_positive, top_errors),
              'report': os.path.join(out_dir, REPORT),
              'confusion_png': os.path.join(out_dir, CONFUSION_PNG)}
    plot_confusion_matrix(np.array(result['confusion_matrix']), report['confusion_png'],
                                LABELS, f'{os.path.basename(os.path.normpath(data))}: '
                                        f'accuracy {result["accuracy"]:.3f}')
    report['seconds'] = round(time.perf_counter() - start, 3)
    write_json(report['report'], report)
    log.info('%s on %s: accuracy %.4f, F1 %.4f, ROC-AUC %s (%d texts, %.1f s)', model_dir, data,
             result['accuracy'], result['f1'], result['roc_auc'], result['n'], report['seconds'])
    return report
