"""The fit loop: reviews in, trained run directory out.

:func:`run_training` is what ``python -m gluon_sentiment.train`` calls. It
runs five stages, each a function of its own for research code to reuse:

1. :func:`prepare`: the run directory and the encoded data;
2. :func:`build`: the network (with its pretrained vectors), the run's
   files, the batch layout and the trainer, gathered in a
   :class:`~gluon_sentiment.training.handlers.TrainingRun`;
3. :func:`restore`: the last checkpoint, when resuming;
4. :func:`fit`: the epoch loop, which trains and validates and leaves
   everything else (checkpoints, the best epoch, logging, signals,
   divergence) to its handlers (:mod:`gluon_sentiment.training.handlers`);
5. :func:`finish`: the best epoch back in the network, the test
   evaluation, the exported graph and ``metrics.json``.
"""
import dataclasses
import logging
import os
from typing import Any, Callable, Dict, List, Optional, Sequence

import mxnet as mx
import numpy as np

from ..artifacts import rundir
from ..artifacts.states import release_trainer_states
from ..artifacts.store import BEST_PARAMS, CONFIG, METRICS, VOCAB, remove_temporaries, write_json
from ..data.pipeline import Dataset, prepare_data
from ..data.vocab import AUTO
from ..embeddings.align import EmbeddingMatrix, embedding_matrix, rescale_matrix
from ..embeddings.sources import PretrainedVectors
from ..errors import ConfigError, StorageError
from ..inference.batches import apply_temperature
from ..model.registry import model_class
from .build import build_net, load_pretrained, make_trainer
from .checkpoint import check_resumable, load_last
from .config import TrainConfig
from .distributed import Worker, create_worker
from .calibrate import (calibrate_run, check_threshold, corrects_decision, fit_calibration,
                        split_probabilities)
from .engine import Batch, EpochMeter, epoch_batches, layout_batches, make_contexts, train_batch
from .handlers import Handler, TrainingRun, default_handlers, storage_stop
from .objectives import confusion_macro_f1, run_class_weights, sample_epoch, training_loss

__all__ = ['run_training', 'resume_training', 'prepare', 'with_data_width', 'build', 'restore',
           'fit', 'finish', 'epoch_indices', 'epoch_layout', 'train_batches']

log = logging.getLogger(__name__)


def run_training(config: TrainConfig, data: Optional[Dataset] = None, resume: bool = False,
                 handlers: Optional[Sequence[Handler]] = None) -> Dict[str, Any]:
    """Train and evaluate a model as configured, writing the run directory.

    Steps: check the options, prepare ``config.output_dir``, read and encode
    the data, train ``config.epochs`` epochs with Adam (or
    ``config.optimizer``), saving a checkpoint after each epoch (see
    :mod:`gluon_sentiment.training.checkpoint`) and the best parameters by
    validation accuracy, then evaluate the best on the test split and
    export the graph.

    SIGINT and SIGTERM stop training after the current batch; the last
    completed epoch stays the resumable checkpoint.

    With ``--kvstore dist_sync`` or ``dist_async`` this process is one
    worker of a job (see :mod:`gluon_sentiment.training.distributed`): it
    trains on its share of every batch, metrics are combined over the
    workers, and only rank 0 writes the run directory.

    Parameters
    ----------
    config : TrainConfig
        The run.
    data : Dataset, optional
        Replaces reading ``config.data`` (cross-validation passes each
        fold's splits).
    resume : bool, default False
        Continue the run already in ``config.output_dir`` from its last
        completed epoch (see :func:`resume_training`).
    handlers : sequence of Handler, optional
        More behaviour for the fit loop (see
        :mod:`gluon_sentiment.training.handlers`), called after the
        built-in handlers: e.g. a handler whose ``epoch_end(run, row)``
        records every epoch's metrics row, or returns True to stop
        training early.

    Returns
    -------
    dict
        The final ``metrics.json``: ``val_accuracy``, ``test_accuracy``,
        ``test_loss``, ``best_epoch``, ``history`` and split sizes.

    Raises
    ------
    TrainingInterrupted
        On SIGINT or SIGTERM; the message says how to resume.
    TrainingDiverged
        If the loss becomes NaN or infinite; the last good checkpoint is kept.
    """
    config.validate()
    config = config.resolved()  # the defaults of the case (training/defaults.py)
    model_class(config.model)  # unknown names fail before any work
    ctx = make_contexts(config.gpus, config.cpu_contexts)
    config, pretrained = load_pretrained(config)
    worker = create_worker(config.kvstore)
    handlers = [*default_handlers(), *(handlers or ())]
    try:
        data = prepare(config, worker, data, resume)
        config = with_data_width(config, data)
        run = build(config, data, ctx, worker, pretrained, resume)
        restore(run, resume)
        fit(run, handlers)
        return finish(run, handlers)
    except BaseException:
        worker.leave_without_goodbye()
        raise


def prepare(config: TrainConfig, worker: Worker, data: Optional[Dataset] = None,
            resume: bool = False) -> Dataset:
    """Read and encode the data, then prepare the run directory (rank 0, new runs).

    ``seq_len='auto'`` is chosen from the training texts here (see
    :func:`with_data_width`), so the run directory is compared and written
    with the resolved length.

    Raises
    ------
    ConfigError
        If there are more workers than training examples or than examples
        per batch, or ``--threshold`` or ``--class-weight`` does not fit the
        classes (checked before the run directory is written).
    RunDirError
        If ``config.output_dir`` holds another run (see
        :func:`gluon_sentiment.artifacts.rundir.prepare_run_dir`).
    """
    data = prepare_data(config, config.seed) if data is None else data
    check_threshold(config, data)
    config.class_weights(len(data.class_names), data.class_names)
    if worker.is_writer and not resume:
        rundir.prepare_run_dir(config.output_dir, with_data_width(config, data).to_dict(),
                               config.overwrite)
    num_train = len(data.splits['train'][1])
    if worker.num_workers > num_train:
        raise ConfigError(f'{worker.num_workers} workers but only {num_train} training examples: '
                          'start fewer workers (launch -n) or use more data (--max-examples)')
    if worker.num_workers > config.batch_size:
        raise ConfigError(f'--batch-size {config.batch_size} is the total over all workers and '
                          f'must be at least the {worker.num_workers} workers')
    return data


def with_data_width(config: TrainConfig, data: Dataset) -> TrainConfig:
    """``config`` with ``seq_len='auto'`` replaced by the width ``data`` was encoded with."""
    if config.seq_len != AUTO:
        return config
    return dataclasses.replace(config, seq_len=int(data.splits['train'][0].shape[1]))


def build(config: TrainConfig, data: Dataset, ctx: List[mx.Context], worker: Worker,
          pretrained: Optional[PretrainedVectors] = None, resume: bool = False) -> TrainingRun:
    """Build the network and its trainer, and write (or, resuming, check) the run's files.

    The network gets the pretrained vectors aligned to the vocabulary and,
    in a new run, its data-dependent initialization. A new run's
    ``config.json`` and ``vocab.json`` are written (rank 0); a resumed
    run's are checked against the data and options.

    Raises
    ------
    ConfigError
        If the model does not fit the options (see
        :func:`~gluon_sentiment.training.build.build_net`).
    RunDirError
        If a resumed run's vocabulary or model disagrees.
    """
    check_threshold(config, data)
    aligned = _align(config, data, pretrained)
    num_classes = len(data.class_names)
    net = build_net(config, len(data.vocab), ctx, None if aligned is None else aligned.matrix,
                    num_classes)
    if not resume:
        net.init_from_data(*data.splits['train'][:2])
    _write_or_check_run_files(config, data, worker, resume)
    margin = net.length_margin
    bucket = config.bucket and margin is not None
    if config.bucket and not bucket:
        log.info('model %r needs fixed-length inputs: bucketing is off', config.model)
    if config.hybridize and not bucket:  # one batch shape: let MXNet plan the graph once
        net.hybridize(static_alloc=True, static_shape=True)
    weights = run_class_weights(config, data)
    steps = config.epochs * len(epoch_indices(config, data, weights, bucket, 1))
    # dist_async: the servers' optimizer counts one update per worker and step, and keeps
    # the normalization of the first step
    updates = steps if worker.sync else steps * worker.num_workers
    trainer = make_trainer(net, config, updates, worker.kvstore)
    run = TrainingRun(config, data, ctx, worker, net, trainer, _new_metrics(config, data, worker),
                      margin, bucket, loss_fn=training_loss(config, weights, ctx),
                      class_weights=weights, step_block=net.training_block(config.hybridize))
    if pretrained is not None:
        mode = ('multichannel' if config.multichannel else
                'frozen' if config.freeze_embedding else 'fine-tuned')
        run.metrics['embedding'] = {**pretrained.describe(), **aligned.describe(), 'mode': mode}
    return run


def _align(config: TrainConfig, data: Dataset,
           pretrained: Optional[PretrainedVectors]) -> Optional[EmbeddingMatrix]:
    """The pretrained vectors row by row for ``data.vocab`` (None without ``--embedding``)."""
    if pretrained is None:
        return None
    aligned = embedding_matrix(pretrained.embedding, data.vocab, config.oov_vectors, config.seed)
    log.info('%s covers %d of %d vocabulary words (%.2f%%)%s', config.embedding,
             aligned.found, aligned.words, 100 * aligned.coverage,
             f'; missing: {" ".join(aligned.missing[:10])}' if aligned.missing else '')
    if config.embedding_std is not None:
        aligned.matrix = rescale_matrix(aligned.matrix, config.embedding_std)
    return aligned


def _write_or_check_run_files(config: TrainConfig, data: Dataset, worker: Worker,
                              resume: bool) -> None:
    out = config.output_dir
    kwargs = config.model_kwargs(len(data.vocab), len(data.class_names))
    if resume and os.path.exists(os.path.join(out, VOCAB)):
        check_resumable(out, kwargs, data.vocab)
    elif worker.is_writer:
        write_json(os.path.join(out, CONFIG),
                   {**rundir.describe(config.to_dict(), config.model, kwargs),
                    'class_names': list(data.class_names)})
        rundir.save_vocab(os.path.join(out, VOCAB), data.vocab)


def _new_metrics(config: TrainConfig, data: Dataset, worker: Worker) -> Dict[str, Any]:
    return {'history': [], 'sizes': data.sizes(), 'data': data.source, 'status': 'training',
            'num_workers': worker.num_workers, 'kvstore': config.kvstore}


def restore(run: TrainingRun, resume: bool = False) -> None:
    """Restore the last checkpoint when resuming, then bring every worker to rank 0's weights.

    Raises
    ------
    RunDirError
        If the checkpoint is missing or does not fit (see
        :func:`~gluon_sentiment.training.checkpoint.load_last`).
    """
    if resume:
        run.metrics = load_last(run.out, run.net, run.trainer, run.ctx) or run.metrics
    run.worker.start(run.trainer)  # every worker gets rank 0's weights before the first step


def fit(run: TrainingRun, handlers: Sequence[Handler]) -> None:
    """Train epochs ``run.next_epoch`` .. ``config.epochs``, calling ``handlers`` on the way.

    Each epoch trains this worker's share of every batch
    (:func:`train_batches`), combines the training metrics over the workers
    (``dist_sync``) and validates; its metrics row then goes to the
    handlers' ``epoch_end``, any of which may stop training.
    """
    try:
        for handler in handlers:
            handler.train_begin(run)
        for epoch in range(run.next_epoch, run.config.epochs + 1):
            if run.stop:
                break
            for handler in handlers:
                handler.epoch_begin(run, epoch)
            row = _fit_epoch(run, epoch, handlers)
            if any([handler.epoch_end(run, row) for handler in handlers]):  # every one is called
                break
    finally:
        for handler in handlers:
            handler.train_exit(run)


def _fit_epoch(run: TrainingRun, epoch: int, handlers: Sequence[Handler]) -> Dict[str, float]:
    """Train and validate one epoch: its metrics row."""
    # dropout; with epoch_batches, resumable per epoch; each worker its own masks
    mx.random.seed(run.config.seed + epoch + 7919 * run.worker.rank)

    def on_batch_end(batch: int) -> None:
        for handler in handlers:
            handler.batch_end(run, epoch, batch)
    train = train_batches(run, epoch_layout(run, epoch), on_batch_end=on_batch_end)
    worker = run.worker
    if worker.sync and worker.distributed:
        n = train['examples']
        loss, correct, total = worker.allreduce([train['loss'] * n, train['accuracy'] * n, n])
        train.update(loss=loss / total, accuracy=correct / total,
                     samples_per_sec=total / train['seconds'])
    val = _evaluate(run, 'val')
    return {'epoch': epoch, 'train_loss': train['loss'], 'train_accuracy': train['accuracy'],
            'samples_per_sec': train['samples_per_sec'], 'epoch_seconds': train['seconds'],
            **{f'val_{name}': value for name, value in val.items()}}


def epoch_indices(config: TrainConfig, data: Dataset, weights: Optional[np.ndarray],
                  bucket: bool, epoch: int) -> List[np.ndarray]:
    """The global batches of ``epoch`` as index arrays into the training split.

    Every example once (:func:`~.engine.epoch_batches`), or, with class
    weights under ``--class-weight-mode sample``, the examples that
    :func:`~.objectives.sample_epoch` draws, batched the same way.
    """
    _, y, lengths = data.splits['train']
    if weights is None or config.class_weight_mode != 'sample':
        return epoch_batches(lengths, config.batch_size, config.seed, epoch, bucket,
                             config.num_buckets)
    drawn = sample_epoch(y, weights, config.seed, epoch)
    return [drawn[batch] for batch in epoch_batches(lengths[drawn], config.batch_size,
                                                    config.seed, epoch, bucket,
                                                    config.num_buckets)]


def epoch_layout(run: TrainingRun, epoch: int) -> List[Batch]:
    """This worker's batches of ``epoch``: :func:`epoch_indices`, sharded and cut.

    The order is a function of the seed and the epoch, so a resumed run
    trains on exactly the batches an uninterrupted one would.
    """
    config, worker = run.config, run.worker
    X, _, lengths = run.data.splits['train']
    indices = epoch_indices(config, run.data, run.class_weights, run.bucket, epoch)
    # dist_async: every worker's step is normalized by its share of the batch
    step_size = None if worker.sync else -(-config.batch_size // worker.num_workers)
    return layout_batches(indices, X.shape[1], lengths if run.bucket else None, run.margin or 0,
                          worker.rank, worker.num_workers, step_size)


def train_batches(run: TrainingRun, batches: Sequence[Batch],
                  on_batch_end: Callable[[int], None]) -> Dict[str, float]:
    """Train ``batches``, calling ``on_batch_end(i)`` after step ``i``.

    Returns
    -------
    dict
        This worker's ``loss``, ``accuracy``, ``examples``,
        ``samples_per_sec`` and ``seconds`` (see
        :class:`~gluon_sentiment.training.engine.EpochMeter`).
    """
    X, y, _ = run.data.splits['train']
    meter = EpochMeter(run.ctx[0], len(batches), progress=run.worker.is_writer)
    for i, batch in enumerate(batches):
        meter.update(batch, train_batch(run.step_block or run.net, run.trainer, run.loss_fn, X, y,
                                        batch, run.ctx))
        on_batch_end(i)
    return meter.result()


def _evaluate(run: TrainingRun, split: str) -> Dict[str, float]:
    """Loss, accuracy and macro-F1 on ``split`` (with class weights, the weighted loss and accuracy
    too); under dist_sync each worker takes a shard and the sums are combined, under dist_async each
    worker evaluates its own weights on the whole split.

    When the calibration fits a bias (class weights or ``--calibrate-bias``), every figure is
    that of the calibrated, bias-corrected probabilities (:func:`_corrected`), and every worker
    evaluates the whole split (the fit needs all of it)."""
    worker = run.worker
    weighted = run.class_weights is not None
    whole = corrects_decision(run)
    probs, y = split_probabilities(run, split, shard=worker.sync and not whole)
    k = len(run.data.class_names)
    weights = np.ones(k) if run.class_weights is None else run.class_weights
    if len(y):
        probs = _corrected(run, split, probs, y) if whole else probs
        nll = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None))
        hit = probs.argmax(axis=1) == y
        w = weights[y]
        sums = [float(nll.sum()), float(hit.sum()), len(y), float(np.dot(w, nll)),
                float(np.dot(w, hit)), float(w.sum())]
        confusion = np.bincount(k * y + probs.argmax(axis=1), minlength=k * k)
    else:
        sums, confusion = [0.0] * 6, np.zeros(k * k)
    if worker.distributed and worker.sync and not whole:
        sums = worker.allreduce(sums)
        confusion = np.concatenate([worker.allreduce(confusion[i:i + 8])
                                    for i in range(0, k * k, 8)])
    total = max(sums[2], 1)
    out = {'loss': sums[0] / total, 'accuracy': sums[1] / total,
           'macro_f1': confusion_macro_f1(np.asarray(confusion).reshape(k, k))}
    if weighted:
        out.update(weighted_loss=sums[3] / max(sums[5], 1e-12),
                   weighted_accuracy=sums[4] / max(sums[5], 1e-12))
    return out


def _corrected(run: TrainingRun, split: str, probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``probs`` as the run would predict them: calibrated and bias-corrected.

    On the validation split, by the calibration fitted on it for this epoch
    (:func:`~.calibrate.fit_calibration`), so that the epoch is selected by
    what it is worth after :func:`~.calibrate.calibrate_run`: the raw
    decision of a network trained with class weights still favours the
    common class on texts it did not train on, more so the longer it trains.
    On the test split, by the run's calibration. Unchanged with
    ``--no-calibrate``.
    """
    if split == 'val':
        temperature, bias = fit_calibration(probs, y, run.class_weights, run.config.calibrate,
                                            run.config.calibrate_bias)
    else:
        calibration = run.metrics.get('calibration') or {}
        temperature, bias = calibration.get('temperature'), calibration.get('bias')
    return apply_temperature(probs, temperature, bias)


def finish(run: TrainingRun, handlers: Sequence[Handler] = ()) -> Dict[str, Any]:
    """Put the best epoch back into the network, evaluate it on the test split, write the run.

    Rank 0 exports the graph (hybridized runs) and writes ``metrics.json``
    with ``status`` ``'done'``; then the handlers' ``train_end`` run and the
    worker leaves the job. The trainer's optimizer states are dropped first
    (the last checkpoint holds them; for Adam they take twice the memory of
    the parameters), so ``run.trainer`` would start them afresh.

    Returns
    -------
    dict
        The final metrics.
    """
    net, metrics, worker = run.net, run.metrics, run.worker
    release_trainer_states(run.trainer)  # nothing steps again: room for the copies below
    for param in net.collect_params().values():
        # fresh arrays in MXNet's default layout: after an inference pass oneDNN may keep a
        # weight in a layout of its own, into which no copy can write (to.IsDefaultData())
        param.reset_ctx(param.list_ctx())
    if run.best_params is None:  # one process, or the best epoch was before a resume
        net.load_parameters(os.path.join(run.out, BEST_PARAMS), ctx=run.ctx)
    else:
        for name, param in net.collect_params().items():  # the best epoch, on every device
            for array in param.list_data():  # (set_data would reset a distributed trainer)
                run.best_params[name].copyto(array)
    calibrate_run(run)
    if 'test' in run.data.splits:
        test = _evaluate(run, 'test')
        log.info('test (best epoch %d): loss %.4f acc %.4f', metrics['best_epoch'], test['loss'],
                 test['accuracy'])
        metrics.update({f'test_{name}': value for name, value in test.items()})
    else:
        log.info('no test split (--protocol full without --test-data): best epoch %d, '
                 'val acc %.4f', metrics['best_epoch'], metrics['val_accuracy'])
    metrics['status'] = 'done'
    if worker.is_writer:
        try:
            if run.config.hybridize:
                rundir.export_symbol(net, run.out)
            write_json(os.path.join(run.out, METRICS), metrics)
        except StorageError as err:
            raise storage_stop(run, err, 'after the last epoch, while writing the result') from None
    for handler in handlers:
        handler.train_end(run)
    worker.finish(run.trainer, net.collect_params())
    return metrics


def resume_training(run_dir: str) -> Dict[str, Any]:
    """Continue the run in ``run_dir`` from its last completed epoch.

    The configuration is read from the run's ``config.json`` and the data
    are read again from its ``data`` path; the parameters, the trainer's
    states and the best-so-far are restored from the last checkpoint, and
    the data order and random state follow from the seed and the epoch
    (see :mod:`gluon_sentiment.training.checkpoint`), so the result equals that of
    an uninterrupted run. A run stopped within its first epoch starts over.

    Raises
    ------
    RunDirError
        If ``run_dir`` is not a run, was made by an incompatible version,
        or its vocabulary or checkpoint does not fit.
    """
    config = TrainConfig.from_dict(rundir.read_config(run_dir))
    config.output_dir = run_dir
    removed = remove_temporaries(run_dir)
    if removed:
        log.info('%s: removed %d temporary files left by an interrupted write', run_dir, removed)
    return run_training(config, resume=True)
