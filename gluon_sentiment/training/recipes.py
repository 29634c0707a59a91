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

from ..analysis.calibration import calibration_report, fit_temperature
from ..artifacts.store import ENSEMBLE, MEMBERS, METRICS, write_json
from ..data.pipeline import read_splits
from ..errors import RunDirError
from ..inference.ensemble import write_ensemble
from ..inference.loading import load_model
from .checkpoint import prune_finished
from .config import TrainConfig
from .fit import run_training

__all__ = ['calibrate_ensemble', 'BEST_MEMBERS', 'FAST_NGRAM', 'member_configs', 'train_best',
           'train_fast']

log = logging.getLogger(__name__)

#: Members of the best ensemble: (name, weight, TrainConfig fields other than the defaults).
#: Chosen on the tutorial split's validation set (README: "The best configuration").
BEST_MEMBERS: List[tuple] = [
    ('ngram', 2.0, dict(model='ngram', vocab_size=100000, seq_len=1000, epochs=6, lr=5e-3,
                        model_args='{"num_buckets": 4194304}')),
    ('multikernel-glove', 1.0, dict(model='multikernel', embedding='glove.6B.50d',
                                    multichannel=True, embedding_std=0.05, epochs=3,
                                    defaults='tutorial')),
]

#: The fast configuration (``examples/train_fast.py``): TrainConfig fields of one n-gram model.
#: Chosen on held-out runs of bench_peers.py's split (see README): 2^22 rows, twice the default
#: batch at a higher rate, three epochs.
FAST_NGRAM: dict = dict(model='ngram', vocab_size=100000, seq_len=1000, epochs=3, lr=7e-3,
                        batch_size=128, model_args='{"num_buckets": 4194304}')


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
                       labels: np.ndarray) -> Dict[str, Any]:
    """Fit the temperature of ``ensemble``'s averaged probabilities on the members' validation
    texts, save it in ``ensemble.json`` (``calibration.temperature``) and set it on ``ensemble``.

    Returns the validation ECE and NLL before and after (see
    :func:`gluon_sentiment.analysis.calibration.calibration_report`).
    """
    probs = ensemble.predict_proba(texts)  # the members' own temperatures already apply
    temperature = fit_temperature(probs, labels)
    spec = {**spec, 'calibration': {'temperature': temperature}}
    write_json(os.path.join(path, ENSEMBLE), spec)
    ensemble.temperature = temperature
    return calibration_report(probs, labels, temperature)


def train_best(data: str, output_dir: str, test_data: Optional[str] = None,
               overwrite: bool = False, members: Sequence[tuple] = None,
               **overrides) -> Dict[str, Any]:
    """Train the best configuration on ``data`` and write an ensemble to ``output_dir``.

    Parameters
    ----------
    data : str
        Labelled training reviews (any format the package reads).
    output_dir : str
        Folder for ``ensemble.json``, ``metrics.json`` and ``members/``.
    test_data : str, optional
        A separate labelled test set; every member and the ensemble are scored on it.
    overwrite : bool
        Replace an existing ``output_dir``.
    members : sequence of (name, weight, dict), optional
        Replaces :data:`BEST_MEMBERS`.
    **overrides
        :class:`TrainConfig` fields applied to every member (for quick runs).

    Returns
    -------
    dict
        The ``metrics.json`` written: each member's validation (and test)
        accuracy and training time, and the ensemble's.
    """
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
    started = time.time()
    configs = member_configs(data, output_dir, test_data, members, **overrides)
    report: Dict[str, Any] = {'data': data, 'test_data': test_data, 'members': []}
    for config in configs:
        tick = time.time()
        log.info('training member %s', os.path.basename(config.output_dir))
        metrics = run_training(dataclasses.replace(config, overwrite=True))
        prune_finished(config.output_dir, len(metrics['history']))
        report['members'].append({
            'path': os.path.relpath(config.output_dir, output_dir), 'model': config.model,
            'val_accuracy': metrics['val_accuracy'], 'best_epoch': metrics['best_epoch'],
            'test_accuracy': metrics.get('test_accuracy'), 'seconds': time.time() - tick})
    paths = [row['path'] for row in report['members']]
    weights = [weight for _, weight, _ in (members or BEST_MEMBERS)]
    for row, weight in zip(report['members'], weights):
        row['weight'] = weight
    spec = write_ensemble(output_dir, paths, weights)
    ensemble = load_model(output_dir)
    _, reviews, index, test = read_splits(configs[0], configs[0].seed)  # the members' split
    texts, labels = [reviews.texts[i] for i in index['val']], reviews.labels[index['val']]
    if configs[0].calibrate:
        report['calibration'] = calibrate_ensemble(output_dir, spec, ensemble, texts, labels)
    report['val_accuracy'] = float((ensemble.predict(texts) == labels).mean())
    report['sizes'] = {'val': len(labels)}
    if test is not None:
        report['test_accuracy'] = float((ensemble.predict(test.texts) == test.labels).mean())
        report['sizes']['test'] = len(test.labels)
    report['seconds'] = time.time() - started
    write_json(os.path.join(output_dir, METRICS), report)
    log.info('ensemble of %d: val acc %.4f%s (%.0f s)', len(paths), report['val_accuracy'],
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
