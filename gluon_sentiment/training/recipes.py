"""The package's best configuration: an ensemble trained on all labelled reviews.

:func:`train_best` trains each member of :data:`BEST_MEMBERS` with
``--protocol full`` (all of ``data`` but one stratified validation slice,
the same slice for every member), then writes ``ensemble.json`` so that
``load_model(output_dir)`` gives the averaged classifier. The validation
slice is kept out of training and is only used to choose each member's
best epoch and to report the ensemble's accuracy; it was not used to tune
the configuration over and over (see README).
"""
import dataclasses
import logging
import os
import shutil
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..analysis.calibration import (apply_temperature, calibration_report,
                                    expected_calibration_error, fit_temperature,
                                    negative_log_likelihood)
from ..artifacts.store import ENSEMBLE, MEMBERS, METRICS, write_json
from ..data.pipeline import read_splits
from ..errors import RunDirError
from ..inference.classifier import decide
from ..inference.ensemble import write_ensemble
from ..inference.loading import load_model
from .checkpoint import prune_finished
from .config import TrainConfig
from .defaults import ADAGRAD_NGRAM_LR
from .fit import run_training
from .release import release_memory
from .stacking import fit_weights, mixture_weights, weighted_average

__all__ = ['calibrate_ensemble', 'BEST_MEMBERS', 'BEST_FIT_WEIGHTS', 'FAST_NGRAM',
           'member_configs', 'train_best', 'train_fast']

log = logging.getLogger(__name__)

#: The fast configuration (``examples/train_fast.py``): TrainConfig fields of one n-gram model.
#: 2^22 rows, Adagrad (lazy on the table's row-sparse gradients, as fastText-style models are
#: often trained) at lr 0.3, batch 128, two epochs. On two 15,000/5,000 splits of bench_peers.py's
#: 20,000 training reviews (its held-out 5,000 untouched) it reached 0.9150 / 0.9158 after two
#: epochs, where Adam at lr 7e-3 (the configuration before) reached 0.9114 / 0.9114 after four
#: and scikit-learn's NB-LR 0.9118 / 0.9134 (see README).
FAST_NGRAM: dict = dict(model='ngram', vocab_size=100000, seq_len=1000, epochs=2,
                        lr=ADAGRAD_NGRAM_LR, batch_size=128, optimizer='adagrad',
                        model_args='{"num_buckets": 4194304}')

#: Members of the best ensemble: (name, weight, TrainConfig fields other than the defaults).
#: The n-gram model (2^22 rows, 6 epochs of Adam at lr 5e-3) and Kim's CNN on two channels of
#: GloVe vectors rescaled to std 0.05, reading 1,000 tokens (length-bucketed) with 50 filters
#: per width, 3 epochs. Chosen on the validation slice of bench_peers.py's split (README: "The
#: best configuration"). The n-gram model of :data:`FAST_NGRAM` (Adagrad, 2 epochs) as the
#: first member trains in a quarter of the time, but was not kept: it gave the ensemble the
#: same accuracy on a selection split (0.9132 against 0.9128) and 0.28 points less on
#: bench_peers' held-out reviews (0.9246 against 0.9274). The weights (2:1) apply with
#: ``fit=False``; by default (:data:`BEST_FIT_WEIGHTS`) they are fitted on the validation slice.
BEST_MEMBERS: List[tuple] = [
    ('ngram', 2.0, dict(model='ngram', vocab_size=100000, seq_len=1000, epochs=6, lr=5e-3,
                        model_args='{"num_buckets": 4194304}')),
    ('multikernel-glove', 1.0, dict(model='multikernel', embedding='glove.6B.50d',
                                    multichannel=True, embedding_std=0.05, epochs=3,
                                    seq_len=1000, model_args='{"num_filters": 50}',
                                    defaults='tutorial')),
]

#: Whether :func:`train_best` fits the members' weights on the validation slice, with the
#: ensemble's temperature (:func:`~gluon_sentiment.training.stacking.fit_weights`), rather
#: than taking the weights of :data:`BEST_MEMBERS`.
BEST_FIT_WEIGHTS = True


def member_configs(data: str, output_dir: str, test_data: Optional[str] = None,
                   members: Sequence[tuple] = None, **overrides) -> List[TrainConfig]:
    """The :class:`TrainConfig` of each member, training into ``output_dir/members/NN-name``.

    ``overrides`` (e.g. ``max_examples``, ``epochs``) apply to every member.
    """
    configs = []
    for i, (name, _, fields) in enumerate(members or BEST_MEMBERS):
        values = {**fields, **overrides}
        configs.append(TrainConfig(data=data, test_data=test_data, protocol='full',
                                   output_dir=os.path.join(output_dir, MEMBERS, f'{i:02d}-{name}'),
                                   **values))
    return configs


def calibrate_ensemble(path: str, spec: Dict[str, Any], ensemble, texts: Sequence[str],
                       labels: np.ndarray, probs: Optional[np.ndarray] = None,
                       temperature: Optional[float] = None) -> Dict[str, Any]:
    """Fit the temperature of ``ensemble``'s averaged probabilities on the members' validation
    texts, save it in ``ensemble.json`` (``calibration.temperature``) and set it on ``ensemble``.

    ``probs`` are the averaged probabilities of ``texts`` if already computed
    (the members' own temperatures applied, not the ensemble's), and
    ``temperature`` one already fitted (with the weights, by
    :func:`~gluon_sentiment.training.stacking.fit_weights`). Returns the
    validation ECE and NLL before and after (see
    :func:`gluon_sentiment.analysis.calibration.calibration_report`).
    """
    if probs is None:
        probs = ensemble.predict_proba(texts)  # the members' own temperatures already apply
    report, ensemble.temperature = _save_temperature(path, spec, probs, labels, temperature)
    return report


def _save_temperature(path: str, spec: Dict[str, Any], probs: np.ndarray, labels: np.ndarray,
                      temperature: Optional[float] = None):
    """Fit (unless given) the temperature of the averaged ``probs`` and write it into
    ``ensemble.json``: the calibration report and the temperature."""
    if temperature is None:
        temperature = fit_temperature(probs, labels)
    write_json(os.path.join(path, ENSEMBLE), {**spec, 'calibration': {'temperature': temperature}})
    return calibration_report(probs, labels, temperature), temperature


def _prepare_output(output_dir: str, overwrite: bool) -> None:
    if os.path.exists(output_dir) and os.listdir(output_dir):
        if not overwrite:
            raise RunDirError(f'--output-dir {output_dir}: not empty; choose a new folder or pass '
                              '--overwrite to replace it')
        if os.path.exists(os.path.join(output_dir, ENSEMBLE)) or os.path.isdir(
                os.path.join(output_dir, MEMBERS)):
            shutil.rmtree(output_dir)
        else:
            raise RunDirError(f'--output-dir {output_dir}: holds files that are not a '
                              'train_best output; refusing to replace them')
    os.makedirs(output_dir, exist_ok=True)


def _train_member(config: TrainConfig, output_dir: str) -> Dict[str, Any]:
    """Train one member into its folder (pruned to what ``load_model`` needs): its report row."""
    tick = time.time()
    log.info('training member %s', os.path.basename(config.output_dir))
    metrics = run_training(dataclasses.replace(config, overwrite=True))
    prune_finished(config.output_dir, len(metrics['history']))
    return {'path': os.path.relpath(config.output_dir, output_dir), 'model': config.model,
            'val_accuracy': metrics['val_accuracy'], 'best_epoch': metrics['best_epoch'],
            'test_accuracy': metrics.get('test_accuracy'), 'seconds': time.time() - tick}


def _member_scores(output_dir: str, paths: Sequence[str], texts: Sequence[str],
                   test_texts: Optional[Sequence[str]] = None):
    """Each member's probabilities of ``texts`` (and of ``test_texts``): lists, member order.

    One member is loaded at a time and released before the next, so the
    peak memory is that of the largest member, not of all of them.
    """
    val, test = [], []
    for path in paths:
        member = load_model(os.path.join(output_dir, path))
        val.append(member.predict_proba(texts))
        if test_texts is not None:
            test.append(member.predict_proba(test_texts))
        del member
        release_memory()
    return val, test


def _combine(output_dir: str, config: TrainConfig, rows: List[Dict[str, Any]],
             weights: Sequence[float], fit: bool) -> Dict[str, Any]:
    """Weigh (``fit``: on the validation slice) and calibrate the members; score the ensemble.

    The figures are those of ``load_model(output_dir)`` on the validation
    slice (and the test set), computed from each member's probabilities
    (:func:`_member_scores`). Returns the ensemble's entries of ``metrics.json``.
    """
    paths = [row['path'] for row in rows]
    spec = write_ensemble(output_dir, paths, weights)
    _, reviews, index, test = read_splits(config, config.seed)  # the members' split
    texts, labels = [reviews.texts[i] for i in index['val']], reviews.labels[index['val']]
    probs, test_probs = _member_scores(output_dir, paths, texts,
                                       None if test is None else test.texts)
    temperature = None
    if fit:
        weights, temperature = (fit_weights(probs, labels) if config.calibrate
                                else (mixture_weights(probs, labels), None))
        spec = write_ensemble(output_dir, paths, weights)
        log.info('weights fitted on %d validation texts: %s', len(labels),
                 ', '.join(f'{w:.3f}' for w in weights))
    for row, weight in zip(rows, spec['weights']):
        row['weight'] = weight  # as ensemble.json holds it
    mix = spec['weights'] or [1.0] * len(paths)  # as load_model(output_dir) weighs them
    averaged = weighted_average(probs, mix)
    out: Dict[str, Any] = {'weights_fitted': fit, 'sizes': {'val': len(labels)}}
    if config.calibrate:
        out['calibration'], temperature = _save_temperature(output_dir, spec, averaged, labels,
                                                            temperature)
    threshold = spec.get('decision_threshold')
    predicted = decide(apply_temperature(averaged, temperature), threshold)
    out['val_accuracy'] = float((predicted == labels).mean())
    if test is not None:
        test_probs = apply_temperature(weighted_average(test_probs, mix), temperature)
        out['test_accuracy'] = float((decide(test_probs, threshold) == test.labels).mean())
        out['test_calibration'] = {'ece': expected_calibration_error(test_probs, test.labels),
                                   'nll': negative_log_likelihood(test_probs, test.labels)}
        out['sizes']['test'] = len(test.labels)
    return out


def train_best(data: str, output_dir: str, test_data: Optional[str] = None,
               overwrite: bool = False, members: Sequence[tuple] = None,
               fit: Optional[bool] = None, **overrides) -> Dict[str, Any]:
    """Train the best configuration on ``data`` and write an ensemble to ``output_dir``.

    Parameters
    ----------
    data : str
        Labelled training reviews (any format the package reads).
    output_dir : str
        Folder for ``ensemble.json``, ``metrics.json`` and ``members/``.
    test_data : str, optional
        A separate labelled test set; every member and the ensemble are scored
        on it (accuracy, and the ensemble's ECE and NLL under
        ``test_calibration``).
    overwrite : bool
        Replace an existing ``output_dir``.
    members : sequence of (name, weight, dict), optional
        Replaces :data:`BEST_MEMBERS`.
    fit : bool, optional
        Fit the members' weights on the validation slice, together with the
        ensemble's temperature
        (:func:`~gluon_sentiment.training.stacking.fit_weights`), instead of
        using the weights in ``members``; default :data:`BEST_FIT_WEIGHTS`.
    **overrides
        :class:`TrainConfig` fields applied to every member (for quick runs).

    Returns
    -------
    dict
        The ``metrics.json`` written: each member's validation (and test)
        accuracy, training time and weight, and the ensemble's.
    """
    _prepare_output(output_dir, overwrite)
    started = time.time()
    members = members or BEST_MEMBERS
    configs = member_configs(data, output_dir, test_data, members, **overrides)
    report: Dict[str, Any] = {'data': data, 'test_data': test_data, 'members': []}
    for config in configs:
        report['members'].append(_train_member(config, output_dir))
        release_memory()  # the member's network, trainer and data, before the next member
    fit = BEST_FIT_WEIGHTS if fit is None else fit
    report.update(_combine(output_dir, configs[0], report['members'],
                           [weight for _, weight, _ in members], fit))
    report['seconds'] = time.time() - started
    write_json(os.path.join(output_dir, METRICS), report)
    log.info('ensemble of %d: val acc %.4f%s (%.0f s)', len(configs), report['val_accuracy'],
             f', test acc {report["test_accuracy"]:.4f}' if test_data else '', report['seconds'])
    return report


def train_fast(data: str, output_dir: str, test_data: Optional[str] = None,
               overwrite: bool = False, **overrides) -> Dict[str, Any]:
    """Train the fast configuration (:data:`FAST_NGRAM`) on ``data`` into the run ``output_dir``.

    One n-gram model with ``--protocol full`` (all of ``data`` but a
    stratified 5% validation slice), as one member of :func:`train_best`
    would be trained; ``load_model(output_dir)`` loads it.

    Parameters
    ----------
    data, output_dir, test_data, overwrite
        As for :func:`train_best`; ``output_dir`` is a run directory.
    **overrides
        :class:`TrainConfig` fields replacing :data:`FAST_NGRAM`'s (for quick runs).

    Returns
    -------
    dict
        The run's ``metrics.json`` and ``seconds``, the wall time of the
        whole run (reading and encoding the data included).
    """
    started = time.time()
    config = TrainConfig(data=data, test_data=test_data, protocol='full', output_dir=output_dir,
                         overwrite=overwrite, **{**FAST_NGRAM, **overrides})
    metrics = run_training(config)
    prune_finished(output_dir, len(metrics['history']))
    return {**metrics, 'seconds': time.time() - started}
