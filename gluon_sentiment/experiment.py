"""The main job as a library function: reviews in, trained run directory out.

:func:`run_training` is what ``python -m gluon_sentiment.train`` calls; each
of its steps is a function of its own for research code to reuse.
"""
import logging
import os
import signal
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import gluon

from . import checkpoint, rundir
from .config import TrainConfig
from .data.checks import check_corpus
from .data.download import download_imdb
from .data.reader import Reviews, read_reviews
from .data.split import balanced_subset, split_indices
from .data.text import tokenize
from .data.vocab import build_vocab, encode_batch
from .engine import epoch_batches, evaluate, make_contexts, train_epoch
from .errors import ConfigError, TrainingDiverged, TrainingInterrupted
from .model import get_model, model_class
from .signals import StopRequested, stop_on_signals

__all__ = ['Dataset', 'prepare_data', 'build_net', 'make_trainer', 'run_training',
           'resume_training']

log = logging.getLogger(__name__)


@dataclass
class Dataset:
    """Encoded splits and the vocabulary built on the training split.

    ``splits`` maps ``'train'``, ``'val'`` and ``'test'`` to ``(X, y, lengths)``:
    int32 token indices ``(n, seq_len)``, int64 labels ``(n,)`` and int32
    valid lengths ``(n,)``.
    """
    vocab: nlp.Vocab
    splits: Dict[str, Any]
    source: str

    def sizes(self) -> Dict[str, int]:
        """Examples per split."""
        return {name: len(split[1]) for name, split in self.splits.items()}


def _read(path: str) -> Reviews:
    reviews = read_reviews(path)
    log.info('read %d reviews (%d positive) from %s', len(reviews), int(reviews.labels.sum()), path)
    return reviews


def prepare_data(config: TrainConfig) -> Dataset:
    """Read, subsample, split, tokenize, build the vocabulary and encode.

    The vocabulary is counted on the training split only.
    """
    source = config.data or download_imdb()
    reviews = _read(source)
    if config.max_examples:
        reviews = reviews.subset(balanced_subset(reviews.labels, config.max_examples, config.seed))
    test = _read(config.test_data) if config.test_data else None
    index = split_indices(len(reviews), None if test else config.test_size, config.val_size,
                          config.split_seed)
    tokens = [tokenize(text) for text in reviews.texts]
    labels = reviews.labels
    vocab = build_vocab((tokens[i] for i in index['train']), config.vocab_size)
    check_corpus(source, labels[index['train']], tokens, config.vocab_size,
                 len(vocab.token_to_idx) - 2)  # less <unk> and <pad>
    X, lengths = encode_batch(tokens, vocab, config.seq_len, config.truncate)
    splits = {name: (X[idx], labels[idx], lengths[idx]) for name, idx in index.items()}
    if test is not None:
        X_test, len_test = encode_batch((tokenize(t) for t in test.texts), vocab, config.seq_len,
                                         config.truncate)
        splits['test'] = (X_test, test.labels, len_test)
    data = Dataset(vocab, splits, source)
    log.info('vocabulary: %d tokens; split sizes %s', len(vocab), data.sizes())
    return data


def build_net(config: TrainConfig, vocab_size: int, ctx: List[mx.Context]) -> gluon.HybridBlock:
    """Build, initialize (seeded) and optionally hybridize the configured model.

    Raises
    ------
    ConfigError
        If the model cannot take ``config.seq_len`` tokens (for example a
        sequence shorter than the widest convolution).
    """
    net = get_model(config.model, **config.model_kwargs(vocab_size))
    mx.random.seed(config.seed)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if config.hybridize:
        net.hybridize(static_alloc=True)
    try:
        net(mx.nd.zeros((1, config.seq_len), ctx=ctx[0])).wait_to_read()
    except (mx.MXNetError, ValueError) as err:  # ValueError: deferred shape inference
        first = str(err).strip().splitlines()[0]
        raise ConfigError(f'--seq-len {config.seq_len} does not fit model {config.model!r} '
                          f'(for convolutions it must be at least the widest kernel): {first}') from None
    return net


def make_trainer(net: gluon.Block, config: TrainConfig, total_steps: int) -> gluon.Trainer:
    """The ``gluon.Trainer`` of ``config``: optimizer, learning rate (schedule), weight decay."""
    params = {'learning_rate': config.lr, 'wd': config.wd}
    if config.lr_schedule == 'cosine':
        params['lr_scheduler'] = mx.lr_scheduler.CosineScheduler(max(total_steps, 1), config.lr, 0)
    try:
        return gluon.Trainer(net.collect_params(), config.optimizer, params)
    except (ValueError, KeyError, AssertionError) as err:
        raise ConfigError(f'--optimizer {config.optimizer}: {err}') from None


def _evaluate(net, split, ctx, margin):
    X, y, lengths = split
    return evaluate(net, X, y, ctx, lengths=None if margin is None else lengths,
                    margin=margin or 0)


def run_training(config: TrainConfig, resume: bool = False) -> Dict[str, Any]:
    """Train and evaluate a model as configured, writing the run directory.

    Steps: check the options, prepare ``config.output_dir``, read and encode
    the data, train ``config.epochs`` epochs with Adam (or
    ``config.optimizer``), saving a checkpoint after each epoch (see
    :mod:`gluon_sentiment.checkpoint`) and the best parameters by validation
    accuracy, then evaluate the best on the test split and export the graph.

    SIGINT and SIGTERM stop training after the current batch; the last
    completed epoch stays the resumable checkpoint.

    Parameters
    ----------
    config : TrainConfig
        The run.
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
    out = config.output_dir
    if not resume:
        rundir.prepare_run_dir(out, config.to_dict(), config.overwrite)

    data = prepare_data(config)
    net = build_net(config, len(data.vocab), ctx)
    if resume and os.path.exists(os.path.join(out, rundir.VOCAB)):
        checkpoint.check_resumable(out, config.model_kwargs(len(data.vocab)), data.vocab)
    else:
        rundir.write_json(os.path.join(out, rundir.CONFIG),
                          rundir.describe(config.to_dict(), config.model,
                                          config.model_kwargs(len(data.vocab))))
        rundir.save_vocab(os.path.join(out, rundir.VOCAB), data.vocab)

    len_train = data.splits['train'][2]
    margin = net.length_margin if isinstance(getattr(net, 'length_margin', None), int) else None
    bucket = config.bucket and margin is not None
    if config.bucket and not bucket:
        log.info('model %r needs fixed-length inputs: bucketing is off', config.model)
    steps = config.epochs * len(epoch_batches(len_train, config.batch_size, config.seed, 1,
                                              bucket, config.num_buckets))
    trainer = make_trainer(net, config, steps)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    metrics: Dict[str, Any] = {'history': [], 'sizes': data.sizes(), 'data': data.source,
                               'status': 'training'}
    if resume:
        metrics = checkpoint.load_last(out, net, trainer, ctx) or metrics
    start = len(metrics['history']) + 1
    best = metrics.get('val_accuracy', -1.0)
    with stop_on_signals() as stop:
        try:
            for epoch in range(start, config.epochs + 1):
                stop.check()
                best = _train_one_epoch(config, epoch, net, trainer, loss_fn, data, ctx, bucket,
                                        margin, metrics, best, stop.check)
        except StopRequested as err:
            raise _stopped(out, metrics, epoch, err.signum) from None

    net.load_parameters(os.path.join(out, rundir.BEST_PARAMS), ctx=ctx)
    test = _evaluate(net, data.splits['test'], ctx, margin)
    log.info('test (best epoch %d): loss %.4f acc %.4f', metrics['best_epoch'], test['loss'],
             test['accuracy'])
    if config.hybridize:
        rundir.export_symbol(net, out)
    metrics.update(test_accuracy=test['accuracy'], test_loss=test['loss'], status='done')
    rundir.write_json(os.path.join(out, rundir.METRICS), metrics)
    return metrics


def _train_one_epoch(config, epoch, net, trainer, loss_fn, data, ctx, bucket, margin, metrics,
                     best, on_batch_end):
    """Train, validate and checkpoint one epoch; return the best val accuracy so far."""
    out = config.output_dir
    X_train, y_train, len_train = data.splits['train']
    mx.random.seed(config.seed + epoch)  # dropout; with epoch_batches, resumable per epoch
    batches = epoch_batches(len_train, config.batch_size, config.seed, epoch, bucket,
                            config.num_buckets)
    train = train_epoch(net, trainer, loss_fn, X_train, y_train, batches, ctx,
                        len_train if bucket else None, margin or 0,
                        on_batch_end=on_batch_end)
    val = _evaluate(net, data.splits['val'], ctx, margin)
    if not (np.isfinite(train['loss']) and np.isfinite(val['loss'])):
        raise _diverged(config, metrics, epoch, train['loss'], val['loss'])
    row = {'epoch': epoch, 'train_loss': train['loss'], 'train_accuracy': train['accuracy'],
           'samples_per_sec': train['samples_per_sec'], 'epoch_seconds': train['seconds'],
           'val_loss': val['loss'], 'val_accuracy': val['accuracy']}
    log.info('epoch %d/%d: train loss %.4f acc %.4f (%.0f samples/s, %.1f s) | '
             'val loss %.4f acc %.4f', epoch, config.epochs, train['loss'], train['accuracy'],
             train['samples_per_sec'], train['seconds'], val['loss'], val['accuracy'])
    is_best = val['accuracy'] > best
    if is_best:
        best = val['accuracy']
        metrics.update(best_epoch=epoch, val_accuracy=val['accuracy'], val_loss=val['loss'])
    metrics['history'].append(row)
    checkpoint.save_epoch(out, epoch, net, trainer, metrics, is_best)
    return best


def _last_good(out, metrics):
    done = metrics.get('checkpoint')
    return (f'{os.path.join(out, done["params"])} (epoch {done["epoch"]})' if done
            else 'none: no epoch was completed')


def _stopped(out, metrics, epoch, signum):
    metrics['status'] = 'interrupted'
    rundir.write_json(os.path.join(out, rundir.METRICS), metrics)
    name = signal.Signals(signum).name
    return TrainingInterrupted(
        f'{name}: training stopped in epoch {epoch}; last checkpoint: {_last_good(out, metrics)}; '
        f'go on with: python -m gluon_sentiment.train --resume {out}', signum)


def _diverged(config, metrics, epoch, train_loss, val_loss):
    out = config.output_dir
    metrics.update(status='diverged', diverged_epoch=epoch)
    rundir.write_json(os.path.join(out, rundir.METRICS), metrics)
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
    removed = checkpoint.remove_stale_tmp(run_dir)
    if removed:
        log.info('%s: removed %d temporary files left by an interrupted write', run_dir, removed)
    return run_training(config, resume=True)
