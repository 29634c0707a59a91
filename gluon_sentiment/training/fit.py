"""The fit loop: reviews in, trained run directory out.

:func:`run_training` is what ``python -m gluon_sentiment.train`` calls; each
of its steps is a function of its own for research code to reuse.
"""
import logging
import os
import signal
from typing import Any, Dict, List, Optional

import mxnet as mx
import numpy as np
from mxnet import gluon

from ..analysis.plots import LEARNING_CURVES, plot_learning_curves
from ..artifacts import rundir
from ..artifacts.store import BEST_PARAMS, CONFIG, METRICS, VOCAB, remove_temporaries, write_json
from ..data.pipeline import Dataset, prepare_data
from ..embeddings.align import embedding_matrix, rescale_matrix
from ..errors import ConfigError, TrainingDiverged, TrainingInterrupted
from ..model.registry import model_class
from .checkpoint import check_resumable, load_last, save_epoch
from .build import build_net, load_pretrained, make_trainer
from .config import TrainConfig
from .distributed import Worker, create_worker
from .engine import epoch_batches, evaluate, make_contexts, train_epoch
from .signals import StopRequested, stop_on_signals

__all__ = ['run_training', 'resume_training']

log = logging.getLogger(__name__)


def _evaluate(net, split, ctx, margin, worker: Worker) -> Dict[str, float]:
    """Loss and accuracy on ``split``; under dist_sync each worker takes a shard and the sums are
    combined, under dist_async each worker evaluates its own weights on the whole split."""
    X, y, lengths = split
    if worker.sync:
        X, y, lengths = (worker.shard(a) for a in (X, y, lengths))
    metrics = evaluate(net, X, y, ctx, lengths=None if margin is None else lengths,
                       margin=margin or 0) if len(y) else {'loss': 0.0, 'accuracy': 0.0}
    if not worker.distributed or not worker.sync:
        return metrics
    n = len(y)
    loss, correct, total = worker.allreduce([metrics['loss'] * n, metrics['accuracy'] * n, n])
    return {'loss': loss / total, 'accuracy': correct / total}


def _check_workers(worker: Worker, config: TrainConfig, num_train: int) -> None:
    if worker.num_workers > num_train:
        raise ConfigError(f'{worker.num_workers} workers but only {num_train} training examples: '
                          'start fewer workers (launch -n) or use more data (--max-examples)')
    if worker.num_workers > config.batch_size:
        raise ConfigError(f'--batch-size {config.batch_size} is the total over all workers and '
                          f'must be at least the {worker.num_workers} workers')


def run_training(config: TrainConfig, data: Optional[Dataset] = None,
                 resume: bool = False) -> Dict[str, Any]:
    """Train and evaluate a model as configured, writing the run directory.

    Steps: check the options, prepare ``config.output_dir``, read and encode
    the data, train ``config.epochs`` epochs with Adam (or
    ``config.optimizer``), saving a checkpoint after each epoch (see
    :mod:`gluon_sentiment.checkpoint`) and the best parameters by validation
    accuracy, then evaluate the best on the test split and export the graph.

    SIGINT and SIGTERM stop training after the current batch; the last
    completed epoch stays the resumable checkpoint.

    With ``--kvstore dist_sync`` or ``dist_async`` this process is one
    worker of a job (see :mod:`gluon_sentiment.distributed`): it trains on
    its share of every batch, metrics are combined over the workers, and
    only rank 0 writes the run directory.

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
    model_class(config.model)  # unknown names fail before any work
    ctx = make_contexts(config.gpus, config.cpu_contexts)
    config, pretrained = load_pretrained(config)
    worker = create_worker(config.kvstore)
    try:
        return _run_worker(config, ctx, worker, data, pretrained, resume)
    except BaseException:
        worker.leave_without_goodbye()
        raise


def _run_worker(config: TrainConfig, ctx: List[mx.Context], worker: Worker,
                data: Optional[Dataset] = None, pretrained=None,
                resume: bool = False) -> Dict[str, Any]:
    out = config.output_dir
    if worker.is_writer and not resume:
        rundir.prepare_run_dir(out, config.to_dict(), config.overwrite)

    data = prepare_data(config, config.seed) if data is None else data
    _check_workers(worker, config, len(data.splits['train'][1]))
    aligned = None
    if pretrained is not None:
        aligned = embedding_matrix(pretrained.embedding, data.vocab, config.oov_vectors,
                                   config.seed)
        log.info('%s covers %d of %d vocabulary words (%.2f%%)%s', config.embedding,
                 aligned.found, aligned.words, 100 * aligned.coverage,
                 f'; missing: {" ".join(aligned.missing[:10])}' if aligned.missing else '')
        if config.embedding_std is not None:
            aligned.matrix = rescale_matrix(aligned.matrix, config.embedding_std)
    net = build_net(config, len(data.vocab), ctx, None if aligned is None else aligned.matrix)
    if not resume:
        net.init_from_data(*data.splits['train'][:2])
    if resume and os.path.exists(os.path.join(out, VOCAB)):
        check_resumable(out, config.model_kwargs(len(data.vocab)), data.vocab)
    elif worker.is_writer:
        write_json(os.path.join(out, CONFIG),
                          rundir.describe(config.to_dict(), config.model,
                                          config.model_kwargs(len(data.vocab))))
        rundir.save_vocab(os.path.join(out, VOCAB), data.vocab)

    len_train = data.splits['train'][2]
    margin = net.length_margin
    bucket = config.bucket and margin is not None
    if config.bucket and not bucket:
        log.info('model %r needs fixed-length inputs: bucketing is off', config.model)
    if config.hybridize and not bucket:  # one batch shape: let MXNet plan the graph once
        net.hybridize(static_alloc=True, static_shape=True)
    steps = config.epochs * len(epoch_batches(len_train, config.batch_size, config.seed, 1,
                                              bucket, config.num_buckets))
    # dist_async: the servers' optimizer counts one update per worker and step, and keeps
    # the normalization of the first step
    updates = steps if worker.sync else steps * worker.num_workers
    step_size = None if worker.sync else -(-config.batch_size // worker.num_workers)
    trainer = make_trainer(net, config, updates, worker.kvstore)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    metrics: Dict[str, Any] = {'history': [], 'sizes': data.sizes(), 'data': data.source,
                               'status': 'training', 'num_workers': worker.num_workers,
                               'kvstore': config.kvstore}
    if pretrained is not None:
        mode = ('multichannel' if config.multichannel else
                'frozen' if config.freeze_embedding else 'fine-tuned')
        metrics['embedding'] = {**pretrained.describe(), **aligned.describe(), 'mode': mode}
    if resume:
        metrics = load_last(out, net, trainer, ctx) or metrics
    worker.start(trainer)  # every worker gets rank 0's weights before the first step
    start = len(metrics['history']) + 1
    best, best_params = metrics.get('val_accuracy', -1.0), None
    epoch = start
    with stop_on_signals() as stop:
        try:
            for epoch in range(start, config.epochs + 1):
                stop.check()
                best, snapshot = _train_one_epoch(config, epoch, net, trainer, loss_fn, data, ctx,
                                                  bucket, margin, metrics, best, stop.check,
                                                  worker, step_size)
                best_params = snapshot or best_params
        except StopRequested as err:
            raise _stopped(out, metrics, epoch, err.signum) from None

    if best_params is None:  # the best epoch was before a resume: read it back
        net.load_parameters(os.path.join(out, BEST_PARAMS), ctx=ctx)
    else:
        for name, param in net.collect_params().items():  # the best epoch, on every device
            for array in param.list_data():  # (set_data would reset a distributed trainer)
                best_params[name].copyto(array)
    if 'test' in data.splits:
        test = _evaluate(net, data.splits['test'], ctx, margin, worker)
        log.info('test (best epoch %d): loss %.4f acc %.4f', metrics['best_epoch'], test['loss'],
                 test['accuracy'])
        metrics.update(test_accuracy=test['accuracy'], test_loss=test['loss'])
    else:
        log.info('no test split (--protocol full without --test-data): best epoch %d, '
                 'val acc %.4f', metrics['best_epoch'], metrics['val_accuracy'])
    metrics['status'] = 'done'
    if worker.is_writer:
        if config.hybridize:
            rundir.export_symbol(net, out)
        write_json(os.path.join(out, METRICS), metrics)
        plot_learning_curves(metrics['history'], os.path.join(out, LEARNING_CURVES),
                                   f'{config.model}: learning curves')
    worker.finish(trainer, net.collect_params())
    return metrics


def _train_one_epoch(config, epoch, net, trainer, loss_fn, data, ctx, bucket, margin, metrics,
                     best, on_batch_end, worker, step_size):
    """Train, validate and checkpoint one epoch.

    Returns the best validation accuracy so far, and a copy of the
    parameters if this epoch is the new best (else None).
    """
    out = config.output_dir
    X_train, y_train, len_train = data.splits['train']
    # dropout; with epoch_batches, resumable per epoch; each worker its own masks
    mx.random.seed(config.seed + epoch + 7919 * worker.rank)
    batches = epoch_batches(len_train, config.batch_size, config.seed, epoch, bucket,
                            config.num_buckets)
    train = train_epoch(net, trainer, loss_fn, X_train, y_train, batches, ctx,
                        len_train if bucket else None, margin or 0,
                        progress=worker.is_writer, on_batch_end=on_batch_end, rank=worker.rank,
                        num_workers=worker.num_workers, step_size=step_size)
    if worker.sync and worker.distributed:
        n = train['examples']
        loss, correct, total = worker.allreduce([train['loss'] * n, train['accuracy'] * n, n])
        train.update(loss=loss / total, accuracy=correct / total,
                     samples_per_sec=total / train['seconds'])
    val = _evaluate(net, data.splits['val'], ctx, margin, worker)
    if not (np.isfinite(train['loss']) and np.isfinite(val['loss'])):
        raise _diverged(config, metrics, epoch, train['loss'], val['loss'])
    row = {'epoch': epoch, 'train_loss': train['loss'], 'train_accuracy': train['accuracy'],
           'samples_per_sec': train['samples_per_sec'], 'epoch_seconds': train['seconds'],
           'val_loss': val['loss'], 'val_accuracy': val['accuracy']}
    log.info('epoch %d/%d: train loss %.4f acc %.4f (%.0f samples/s, %.1f s) | '
             'val loss %.4f acc %.4f', epoch, config.epochs, train['loss'], train['accuracy'],
             train['samples_per_sec'], train['seconds'], val['loss'], val['accuracy'])
    snapshot = None
    is_best = val['accuracy'] > best
    if is_best:
        best = val['accuracy']
        snapshot = {name: p.data(ctx[0]).copy() for name, p in net.collect_params().items()}
        metrics.update(best_epoch=epoch, val_accuracy=val['accuracy'], val_loss=val['loss'])
    metrics['history'].append(row)
    if worker.is_writer:
        save_epoch(out, epoch, net, trainer, metrics, is_best,
                              save_states=not worker.distributed)
    return best, snapshot


def _last_good(out, metrics):
    done = metrics.get('checkpoint')
    return (f'{os.path.join(out, done["params"])} (epoch {done["epoch"]})' if done
            else 'none: no epoch was completed')


def _stopped(out, metrics, epoch, signum):
    metrics['status'] = 'interrupted'
    write_json(os.path.join(out, METRICS), metrics)
    name = signal.Signals(signum).name
    return TrainingInterrupted(
        f'{name}: training stopped in epoch {epoch}; last checkpoint: {_last_good(out, metrics)}; '
        f'go on with: python -m gluon_sentiment.train --resume {out}', signum)


def _diverged(config, metrics, epoch, train_loss, val_loss):
    out = config.output_dir
    metrics.update(status='diverged', diverged_epoch=epoch)
    write_json(os.path.join(out, METRICS), metrics)
    return TrainingDiverged(
        f'training diverged in epoch {epoch} (train loss {train_loss}, val loss {val_loss}); '
        f'stopped and kept the last good checkpoint: {_last_good(out, metrics)}; '
        f'lower --lr (was {config.lr}) and train again')


def resume_training(run_dir: str) -> Dict[str, Any]:
    """Continue the run in ``run_dir`` from its last completed epoch.

    The configuration is read from the run's ``config.json`` and the data
    are read again from its ``data`` path; the parameters, the trainer's
    states and the best-so-far are restored from the last checkpoint, and
    the data order and random state follow from the seed and the epoch
    (see :mod:`gluon_sentiment.checkpoint`), so the result equals that of
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
