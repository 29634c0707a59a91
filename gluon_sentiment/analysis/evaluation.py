"""Evaluate a trained model on labelled data: the report of ``python -m gluon_sentiment.evaluate``.

::

    report = evaluate_run('runs/multikernel', 'my_reviews.csv', out_dir='eval')
    report['metrics']['f1'], report['confident_errors'][0]

Metrics come from scikit-learn; in a binary run the positive class is 1.
The report is written to ``OUT_DIR/evaluation.json``, the confusion matrix
to ``OUT_DIR/confusion_matrix.png`` and the reliability diagram (of the
probabilities as the model gives them, calibrated when the run is) to
``OUT_DIR/reliability.png``.
"""
import logging
import os
import time
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from ..artifacts.store import make_folder, write_json
from ..data.config import DataConfig
from ..data.pipeline import read_dataset
from ..data.reader import Reviews
from ..errors import DataError
from ..inference.loading import load_model
from ..inference.pretrained import is_pretrained, resolve_model
from .calibration import RELIABILITY_PNG, expected_calibration_error, plot_reliability
from .metrics import classification_metrics, confident_errors, multiclass_metrics
from .plots import plot_confusion_matrix

__all__ = ['REPORT', 'CONFUSION_PNG', 'evaluate_run']

log = logging.getLogger(__name__)

REPORT = 'evaluation.json'
CONFUSION_PNG = 'confusion_matrix.png'


def evaluate_run(model_dir: str, data: Union[str, DataConfig], out_dir: Optional[str] = None,
                 format: Optional[str] = None,  # pylint: disable=redefined-builtin
                 labels: Union[str, Sequence[str], None] = None, text_column: str = 'text',
                 label_column: str = 'label', top_errors: int = 10) -> Dict[str, Any]:
    """Evaluate the run in ``model_dir`` on the labelled data at ``data``.

    Parameters
    ----------
    model_dir : str
        A training run directory (or a bundle or an ensemble).
    data : str or DataConfig
        Any dataset :func:`~gluon_sentiment.data.formats.load_dataset` reads;
        ``format``, ``labels``, ``text_column`` and ``label_column`` are
        passed on to it. A :class:`~gluon_sentiment.data.DataConfig` names
        the path (``data``) and every read option itself (``target``,
        ``rating_bins`` too), and the four arguments are not used. Without
        ``labels``, a run of more than two classes reads the labels by its
        own class names.
    out_dir : str, optional
        Where ``evaluation.json``, ``confusion_matrix.png`` and
        ``reliability.png`` go (default: ``MODEL_DIR/eval-<name of data>``; for a
        pretrained model, ``./eval-<model>-<name of data>``: the package folder is never written).
    top_errors : int, default 10
        How many confidently wrong examples to list.

    Returns
    -------
    dict
        ``metrics`` (see :func:`classification_metrics` for binary runs, plus
        ``macro_f1`` and ``per_class`` of :func:`multiclass_metrics`, which
        is the whole report of a run of more classes; ``ece`` the expected
        calibration error), ``confident_errors``, ``model``, ``data``,
        ``seconds`` and the paths of the files written.

    Raises
    ------
    DataError
        If the data hold labels the run does not know.
    """
    start = time.perf_counter()
    model_dir = resolve_model(model_dir)
    clf = load_model(model_dir)  # a folder that is not a run fails here, before reading data
    config = data if isinstance(data, DataConfig) else DataConfig(
        data=data, format=format, labels=labels, text_column=text_column,
        label_column=label_column)
    path = config.data
    reviews = read_dataset(path, config, clf.class_names)
    if tuple(reviews.class_names) != tuple(clf.class_names):
        raise DataError(f'{path}: its classes {list(reviews.class_names)} are not those of '
                        f'{model_dir} ({list(clf.class_names)}); pass the run\'s classes in '
                        'order with --labels, or leave out texts of other classes')
    probs = clf.predict_proba(reviews.texts)
    if out_dir is None:
        name = os.path.basename(os.path.normpath(path)).split('.')[0] or 'data'
        # never into the package: a shipped model's report goes to the working directory
        where = '.' if is_pretrained(model_dir) else model_dir
        model_name = os.path.basename(os.path.normpath(model_dir)) + '-' if where == '.' else ''
        out_dir = os.path.join(where, f'eval-{model_name}{name}')
    make_folder(out_dir)
    result = _metrics(reviews, probs, clf.class_names)
    binary = len(clf.class_names) == 2
    report = {'model': model_dir, 'data': path, 'metrics': result,
              'confident_errors': confident_errors(reviews, probs[:, 1] if binary else probs,
                                                   top_errors, class_names=clf.class_names),
              'report': os.path.join(out_dir, REPORT),
              'confusion_png': os.path.join(out_dir, CONFUSION_PNG),
              'reliability_png': os.path.join(out_dir, RELIABILITY_PNG)}
    title = f'{os.path.basename(os.path.normpath(path))}: accuracy {result["accuracy"]:.3f}'
    plot_confusion_matrix(np.array(result['confusion_matrix']), report['confusion_png'],
                          clf.class_names, title)
    plot_reliability(probs, reviews.labels, report['reliability_png'],
                     title=f'{os.path.basename(os.path.normpath(path))}: reliability')
    report['seconds'] = round(time.perf_counter() - start, 3)
    write_json(report['report'], report)
    log.info('%s on %s: accuracy %.4f, macro-F1 %.4f, ROC-AUC %s, ECE %.4f (%d texts, %.1f s)',
             model_dir, path, result['accuracy'], result['macro_f1'], result['roc_auc'],
             result['ece'], result['n'], report['seconds'])
    return report


def _metrics(reviews: Reviews, probs: np.ndarray, class_names) -> Dict[str, Any]:
    """The binary report plus macro-F1 and per-class figures, or the K-class report; and ECE."""
    multi = multiclass_metrics(reviews.labels, probs, class_names)
    if len(class_names) == 2:
        result = classification_metrics(reviews.labels, probs[:, 1])
        result.update(macro_f1=multi['macro_f1'], per_class=multi['per_class'])
    else:
        result = multi
    result['ece'] = expected_calibration_error(probs, reviews.labels)
    return result
