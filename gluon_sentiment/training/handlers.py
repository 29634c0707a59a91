"""Event handlers of the fit loop, in the style of MXNet's estimator handlers.

The fit loop (:func:`gluon_sentiment.training.fit.fit`) trains and
validates; everything else an epoch does is a :class:`Handler`, called at
fixed points of the loop with the :class:`TrainingRun`:

``train_begin(run)``
    Once, after the checkpoint is restored and before the first epoch.
``epoch_begin(run, epoch)``
    Before each epoch.
``batch_end(run, epoch, batch)``
    After each training step (``batch`` counts from 0).
``epoch_end(run, row)``
    After each epoch's validation, with the epoch's metrics row (``epoch``,
    ``train_loss``, ``train_accuracy``, ``samples_per_sec``,
    ``epoch_seconds``, ``val_loss``, ``val_accuracy``, ``val_macro_f1``). Return True to stop
    training after this epoch; the run then finishes as usual (best epoch,
    test evaluation, export).
``train_end(run)``
    Once, after the run finished and ``metrics.json`` is written; not
    after an interrupt or a divergence.
``train_exit(run)``
    Always, when the loop ends, normally or by an exception: release what
    ``train_begin`` took.

Every hook does nothing by default. The built-in handlers, in the order the
loop calls them (:func:`default_handlers`): :class:`StopOnSignal`,
:class:`DivergenceCheck`, :class:`LogEpoch`, :class:`BestEpoch`,
:class:`RecordHistory`, :class:`Checkpoint`, :class:`EarlyStopping`, :class:`LearningCurves`.
Handlers passed to ``run_training(handlers=[...])`` come after them, so at
``epoch_end`` they see the row already in ``run.metrics['history']`` and the
epoch's checkpoint saved.

In a distributed job every worker calls its handlers; only rank 0
(``run.worker.is_writer``) writes the run directory. A handler that stops
training must decide the same on every worker (under ``dist_sync`` the
metrics rows agree), or the workers would wait for each other for ever.
"""
import contextlib
import errno
import logging
import os
import signal
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import mxnet as mx
import numpy as np
from mxnet import gluon

from ..analysis.plots import LEARNING_CURVES, plot_learning_curves
from ..artifacts.store import METRICS, write_json
from ..data.pipeline import Dataset
from ..errors import StorageError, TrainingDiverged, TrainingInterrupted
from .checkpoint import save_epoch
from .config import TrainConfig
from .distributed import Worker
from .objectives import selection_score
from .signals import StopRequested, stop_on_signals

__all__ = ['TrainingRun', 'Handler', 'storage_stop', 'StopOnSignal', 'DivergenceCheck',
           'LogEpoch', 'BestEpoch', 'RecordHistory', 'Checkpoint', 'EarlyStopping', 'LearningCurves',
           'default_handlers']

log = logging.getLogger(__name__)


@dataclass
class TrainingRun:
    """What the stages of a run and its handlers share.

    Parameters
    ----------
    config : TrainConfig
        The run's options.
    data : Dataset
        The encoded splits and the vocabulary.
    ctx : list of Context
        Devices of this process.
    worker : Worker
        This process's place in the job.
    net : HybridBlock
        The model.
    trainer : gluon.Trainer
        Its trainer.
    metrics : dict
        What ``metrics.json`` holds: ``history`` (one row per completed
        epoch), ``best_epoch``, ``val_accuracy``, ``val_loss``, ``status``,
        ``checkpoint``, split sizes.
    margin : int or None
        Padding a variable-length model needs after a batch's longest
        example; None for fixed-length models.
    bucket : bool
        Whether batches group examples of similar length (and are cut).
    loss_fn : gluon.loss.Loss
        The training loss.
    class_weights : numpy.ndarray, optional
        The class weights of ``--class-weight`` (None for ``none``), see
        :func:`~.objectives.run_class_weights`.
    best_params : dict, optional
        Copies of the parameters of the best epoch trained in this process,
        kept by distributed workers only (only rank 0 writes
        ``best.params``); None in a single process, whose run reads
        ``best.params`` back when it finishes instead of holding a second
        copy of every parameter (for the n-gram model, a table of 275 MB)
        in memory.
    stop : bool
        Set by a handler's ``train_begin`` to train no (further) epoch, e.g.
        :class:`EarlyStopping` when a resumed run had already run out of
        patience.
    step_block : HybridBlock, optional
        What each training step calls: ``net.training_block()`` (see
        :class:`~gluon_sentiment.model.SentimentNet`); None: ``net`` itself.
    """
    config: TrainConfig
    data: Dataset
    ctx: List[mx.Context]
    worker: Worker
    net: gluon.HybridBlock
    trainer: gluon.Trainer
    metrics: Dict[str, Any]
    margin: Optional[int] = None
    bucket: bool = False
    loss_fn: gluon.loss.Loss = field(default_factory=gluon.loss.SoftmaxCrossEntropyLoss)
    class_weights: Optional[np.ndarray] = None
    best_params: Optional[Dict[str, mx.nd.NDArray]] = None
    stop: bool = False
    step_block: Optional[gluon.HybridBlock] = None

    @property
    def out(self) -> str:
        """The run directory."""
        return self.config.output_dir

    @property
    def next_epoch(self) -> int:
        """The first epoch still to train (1, or the one after a resumed checkpoint)."""
        return len(self.metrics['history']) + 1


class Handler:
    """Base of the fit loop's handlers: every hook does nothing (see the module docstring)."""

    def train_begin(self, run: TrainingRun) -> None:
        """Before the first epoch."""

    def epoch_begin(self, run: TrainingRun, epoch: int) -> None:
        """Before epoch ``epoch``."""

    def batch_end(self, run: TrainingRun, epoch: int, batch: int) -> None:
        """After training step ``batch`` (from 0) of ``epoch``."""

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> Optional[bool]:
        """After validation of the epoch ``row['epoch']``; True stops training after it."""
        return False

    def train_end(self, run: TrainingRun) -> None:
        """After the finished run's ``metrics.json`` is written."""

    def train_exit(self, run: TrainingRun) -> None:
        """When the loop ends, normally or by an exception."""


def _last_good(run: TrainingRun) -> str:
    done = run.metrics.get('checkpoint')
    return (f'{os.path.join(run.out, done["params"])} (epoch {done["epoch"]})' if done
            else 'none: no epoch was completed')


def storage_stop(run: TrainingRun, err: StorageError, when: str) -> StorageError:
    """``err`` (a failed write during training) with the resumable checkpoint and how to go on.

    ``metrics.json`` still holds the last committed epoch, whose files are
    untouched; the message names it.
    """
    if not os.path.isdir(run.out):
        return StorageError(f'{err}; training stopped {when}; the run directory {run.out} is '
                            'gone, train again', err.path, err.errno)
    fix = _FIX.get(err.errno, 'fix the cause')
    return StorageError(f'{err}; training stopped {when}; last complete checkpoint: '
                        f'{_last_good(run)}; {fix} and go on with: '
                        f'python -m gluon_sentiment.train --resume {run.out}', err.path, err.errno)


_FIX = {errno.ENOSPC: 'free disk space', errno.EDQUOT: 'free space within your quota',
        errno.EFBIG: 'raise the file-size limit (ulimit -f)',
        errno.EACCES: 'make the folder writable', errno.EPERM: 'make the folder writable',
        errno.EROFS: 'make the folder writable'}


class StopOnSignal(Handler):
    """Stop on SIGINT or SIGTERM after the current batch (see :mod:`.signals`).

    The last completed epoch stays the resumable checkpoint; ``metrics.json``
    gets ``status`` ``'interrupted'``.

    Raises
    ------
    TrainingInterrupted
        From ``epoch_begin`` or ``batch_end`` once a signal arrived; the
        message says how to resume.
    """

    def __init__(self):
        self._stack = contextlib.ExitStack()
        self._flag = None

    def train_begin(self, run: TrainingRun) -> None:
        """Catch the signals from now on."""
        self._flag = self._stack.enter_context(stop_on_signals())

    def epoch_begin(self, run: TrainingRun, epoch: int) -> None:
        """Stop before ``epoch`` if a signal arrived."""
        self._check(run, epoch)

    def batch_end(self, run: TrainingRun, epoch: int, batch: int) -> None:
        """Stop after this batch if a signal arrived."""
        self._check(run, epoch)

    def train_exit(self, run: TrainingRun) -> None:
        """Give the signals back their previous handlers."""
        self._stack.close()

    def _check(self, run: TrainingRun, epoch: int) -> None:
        try:
            self._flag.check()
        except StopRequested as err:
            run.metrics['status'] = 'interrupted'
            write_json(os.path.join(run.out, METRICS), run.metrics)
            name = signal.Signals(err.signum).name
            raise TrainingInterrupted(
                f'{name}: training stopped in epoch {epoch}; last checkpoint: {_last_good(run)}; '
                f'go on with: python -m gluon_sentiment.train --resume {run.out}',
                err.signum) from None


class DivergenceCheck(Handler):
    """Stop when the training or validation loss is NaN or infinite.

    The epoch is not recorded; the last good checkpoint is kept and
    ``metrics.json`` gets ``status`` ``'diverged'``.

    Raises
    ------
    TrainingDiverged
        From ``epoch_end``, saying which checkpoint is kept.
    """

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> bool:
        """Raise if the epoch's losses are not finite."""
        train_loss, val_loss = row['train_loss'], row['val_loss']
        if np.isfinite(train_loss) and np.isfinite(val_loss):
            return False
        epoch = row['epoch']
        run.metrics.update(status='diverged', diverged_epoch=epoch)
        write_json(os.path.join(run.out, METRICS), run.metrics)
        raise TrainingDiverged(
            f'training diverged in epoch {epoch} (train loss {train_loss}, val loss {val_loss}); '
            f'stopped and kept the last good checkpoint: {_last_good(run)}; '
            f'lower --lr (was {run.config.lr}) and train again')


class LogEpoch(Handler):
    """Log one line per epoch: training loss, accuracy and speed, validation loss and accuracy."""

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> bool:
        """Log ``row``."""
        log.info('epoch %d/%d: train loss %.4f acc %.4f (%.0f samples/s, %.1f s) | '
                 'val loss %.4f acc %.4f', row['epoch'], run.config.epochs, row['train_loss'],
                 row['train_accuracy'], row['samples_per_sec'], row['epoch_seconds'],
                 row['val_loss'], row['val_accuracy'])
        return False


class BestEpoch(Handler):
    """Track the epoch of the best validation ``--select-metric`` and snapshot its parameters.

    A new best (strictly better :func:`~.objectives.selection_score`; by
    default the validation accuracy) sets ``best_epoch``, ``best_score``,
    ``val_accuracy``, ``val_loss`` and ``val_macro_f1`` (with class weights,
    ``val_weighted_accuracy`` and ``val_weighted_loss``) in ``run.metrics``.
    The run restores that epoch when it finishes: a single process from
    ``best.params`` (:class:`Checkpoint` writes it after this handler), a
    distributed worker from the copy of its parameters (from the first
    context) put into ``run.best_params`` here.
    """

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> bool:
        """Record the epoch if its validation metric beats the best so far."""
        metric = run.config.select_metric
        score = selection_score(row, metric)
        fallback = run.metrics.get('val_accuracy', -1.0) if metric == 'accuracy' else -np.inf
        if score > run.metrics.get('best_score', fallback):
            if run.worker.distributed:  # only rank 0 writes best.params
                run.best_params = {name: p.data(run.ctx[0]).copy()
                                   for name, p in run.net.collect_params().items()}
            run.metrics.update(best_epoch=row['epoch'], val_accuracy=row['val_accuracy'],
                               val_loss=row['val_loss'], best_score=score)
            run.metrics.update({key: row[key] for key in ('val_macro_f1', 'val_weighted_accuracy',
                                                          'val_weighted_loss') if key in row})
        return False


class EarlyStopping(Handler):
    """Stop when ``--select-metric`` has not improved for ``--patience`` epochs (0: never).

    Runs after :class:`BestEpoch`, so the best epoch is the one kept, and
    after :class:`Checkpoint`, so the last epoch is saved. ``metrics.json``
    gets ``stopped_early`` (the last epoch trained). A resumed run that had
    already run out of patience trains no further epoch.
    """

    def train_begin(self, run: TrainingRun) -> None:
        """Resuming: stop before the first epoch when patience ran out before the interruption."""
        done = len(run.metrics['history'])
        if done and self._exhausted(run, done):
            run.stop = True

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> bool:
        """True when the epochs since the best reach ``--patience``."""
        if not self._exhausted(run, row['epoch']):
            return False
        run.metrics['stopped_early'] = row['epoch']
        log.info('early stop after epoch %d: validation %s has not improved for %d epochs '
                 '(best epoch %d)', row['epoch'], run.config.select_metric, run.config.patience,
                 run.metrics['best_epoch'])
        return True

    @staticmethod
    def _exhausted(run: TrainingRun, epoch: int) -> bool:
        patience = run.config.patience
        best = run.metrics.get('best_epoch')
        return bool(patience) and best is not None and epoch - best >= patience


class RecordHistory(Handler):
    """Append each epoch's row to ``run.metrics['history']``."""

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> bool:
        """Append ``row``."""
        run.metrics['history'].append(row)
        return False


class Checkpoint(Handler):
    """Save every epoch's checkpoint (rank 0 only; see :func:`.checkpoint.save_epoch`).

    Distributed runs save parameters only (their trainer states cannot be
    saved).

    Raises
    ------
    StorageError
        If the checkpoint cannot be written (disk full, file-size limit,
        ...): training stops, the previous epoch stays the resumable
        checkpoint, and the message says so.
    """

    def epoch_end(self, run: TrainingRun, row: Dict[str, float]) -> bool:
        """Save the epoch ``row['epoch']``, and ``best.params`` if it is the best."""
        if run.worker.is_writer:
            epoch = row['epoch']
            try:
                save_epoch(run.out, epoch, run.net, run.trainer, run.metrics,
                           run.metrics.get('best_epoch') == epoch,
                           save_states=not run.worker.distributed)
            except StorageError as err:
                raise storage_stop(run, err, f'while saving epoch {epoch}') from None
        return False


class LearningCurves(Handler):
    """Plot the finished run's loss and accuracy per epoch (rank 0 only)."""

    def train_end(self, run: TrainingRun) -> None:
        """Write ``learning_curves.png`` into the run directory."""
        if run.worker.is_writer:
            try:
                plot_learning_curves(run.metrics['history'],
                                     os.path.join(run.out, LEARNING_CURVES),
                                     f'{run.config.model}: learning curves')
            except StorageError as err:  # the run is complete: only the picture is missing
                log.warning('%s; the run is complete, only the picture is missing', err)


def default_handlers() -> List[Handler]:
    """The handlers every run has, in the order the fit loop calls them."""
    return [StopOnSignal(), DivergenceCheck(), LogEpoch(), BestEpoch(), RecordHistory(),
            Checkpoint(), EarlyStopping(), LearningCurves()]
