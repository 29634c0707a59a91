"""The training engine: batches, one training epoch, evaluation, prediction.

Pure functions, no module state. Contexts are always a list; every batch is
split over them with :func:`mxnet.gluon.utils.split_and_load`, each shard
runs its own forward and backward under ``autograd.record()``, and
``trainer.step(batch_size)`` normalizes by the whole batch.
"""
import logging
import time
import warnings
from typing import Callable, Dict, List, Optional, Sequence

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import autograd, gluon
from tqdm import tqdm

from ..errors import ConfigError
from ..inference.batches import (batch_width, predict_logits, softmax,
                                split_to_contexts)

__all__ = ['make_contexts', 'epoch_batches', 'train_epoch', 'evaluate']

log = logging.getLogger(__name__)


def make_contexts(gpus: Sequence[int] = (), cpu_contexts: int = 1) -> List[mx.Context]:
    """Contexts to train on: the given GPUs, else ``cpu_contexts`` CPU contexts.

    Raises
    ------
    ConfigError
        If a GPU is asked for and this MXNet build has no CUDA, or the id
        does not exist.
    """
    if not gpus:
        return [mx.cpu(i) for i in range(cpu_contexts)]
    available = mx.context.num_gpus()
    if available == 0:
        raise ConfigError(f'--gpus {",".join(map(str, gpus))}: this MXNet build or machine has '
                          'no GPU; install the GPU build (pip install -e ".[gpu,test]" after '
                          'pip uninstall mxnet) or leave --gpus out to train on the CPU')
    missing = [g for g in gpus if not 0 <= g < available]
    if missing:
        raise ConfigError(f'--gpus: no GPU {missing[0]}; this machine has GPUs 0..{available - 1}')
    return [mx.gpu(g) for g in gpus]


def epoch_batches(lengths: np.ndarray, batch_size: int, seed: int, epoch: int,
                  bucket: bool = False, num_buckets: int = 10) -> List[np.ndarray]:
    """The shuffled batches of one epoch, as index arrays.

    A pure function of its arguments, so a run can be resumed at any epoch
    with the same data order.

    Parameters
    ----------
    lengths : numpy.ndarray
        Valid length of each example.
    batch_size : int
        Examples per batch (the last batch of a bucket may be smaller).
    seed, epoch : int
        Together they seed the order.
    bucket : bool
        Group examples of similar length with gluonnlp's
        ``FixedBucketSampler`` (``num_buckets`` equal-width buckets), so that
        batches can be cut to their longest member.
    """
    rng = np.random.RandomState([seed, epoch])
    if not bucket:
        order = rng.permutation(len(lengths))
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    state = np.random.get_state()  # the sampler shuffles with numpy's global RNG
    try:
        np.random.seed(rng.randint(2 ** 31))
        with warnings.catch_warnings():  # "Some buckets are empty": harmless on small data
            warnings.simplefilter('ignore', UserWarning)
            sampler = nlp.data.FixedBucketSampler(np.maximum(lengths, 1).tolist(), batch_size,
                                                  num_buckets=num_buckets, shuffle=True)
        return [np.asarray(batch, dtype=np.int64) for batch in sampler]
    finally:
        np.random.set_state(state)


def _load_rows(X: np.ndarray, y: np.ndarray, rows: np.ndarray, filler: np.ndarray, width: int,
               ctx: List[mx.Context]):
    """Split ``rows`` of ``(X, y)`` over ``ctx``, with a 0/1 weight per row.

    Every context gets at least one row: those ``rows`` cannot fill are
    copies of ``filler`` with weight 0, so that every context runs a
    backward (a context without one would add its last step's gradient).
    """
    pad = max(0, len(ctx) - len(rows))
    weight = np.concatenate([np.ones(len(rows)), np.zeros(pad)]).reshape(-1, 1)
    rows = np.concatenate([rows, np.repeat(filler[:1], pad)]).astype(np.int64)
    return (split_to_contexts(X[rows, :width], ctx), split_to_contexts(y[rows], ctx),
            gluon.utils.split_and_load(mx.nd.array(weight), ctx, even_split=False))


def train_epoch(net: gluon.Block, trainer: gluon.Trainer, loss_fn: gluon.loss.Loss,
                X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray],
                ctx: List[mx.Context], lengths: Optional[np.ndarray] = None, margin: int = 0,
                progress: bool = True,
                on_batch_end: Optional[Callable[[int], None]] = None,
                rank: int = 0, num_workers: int = 1,
                step_size: Optional[int] = None) -> Dict[str, float]:
    """Train one pass over ``(X, y)``, batch by batch.

    Parameters
    ----------
    net : Block
        The model, initialized on every context of ``ctx``.
    trainer : gluon.Trainer
        Trainer over ``net``'s parameters.
    loss_fn : gluon.loss.Loss
        Per-example loss that takes a sample weight, e.g.
        ``SoftmaxCrossEntropyLoss``.
    X, y : numpy.ndarray
        Token indices ``(n, seq_len)`` and labels ``(n,)``.
    batches : sequence of numpy.ndarray
        Index arrays, one per step (see :func:`epoch_batches`); each step's
        batch is split over all contexts.
    ctx : list of Context
        Devices.
    lengths : numpy.ndarray, optional
        Valid lengths; when given, each batch is cut to
        :func:`batch_width` columns (variable-length models only).
    margin : int
        Padding kept after the longest example of a batch.
    progress : bool
        Show a progress bar (on a terminal only).
    on_batch_end : callable, optional
        Called with the batch number after each step.
    rank, num_workers : int
        In a multi-process job, this process trains on positions ``rank``,
        ``rank + num_workers``, ... of every batch (the others on the rest);
        a process whose share of a batch is empty still takes the step.
    step_size : int, optional
        Examples ``trainer.step`` normalizes by; default the whole batch,
        over all contexts and workers.

    Returns
    -------
    dict
        ``loss`` (mean per example), ``accuracy``, ``examples``,
        ``samples_per_sec`` and ``seconds``, over this process's share.
    """
    total_loss = mx.nd.zeros(1, ctx=ctx[0])
    correct = mx.nd.zeros(1, ctx=ctx[0])
    start = time.time()
    seen = 0
    bar = tqdm(total=len(batches), desc='train', leave=False, disable=None if progress else True)
    for i, idx in enumerate(batches):
        rows = idx[rank::num_workers]
        # the width of the whole batch, as one process would cut it: F.max sends the gradient
        # to every tied all-padding window, so the padding kept changes the gradient
        width = batch_width(None if lengths is None else lengths[idx], X.shape[1], margin)
        data, label, weight = _load_rows(X, y, rows, idx, width, ctx)
        with autograd.record():
            outputs = [net(x) for x in data]
            losses = [loss_fn(out, lab, w) for out, lab, w in zip(outputs, label, weight)]
        for loss in losses:
            loss.backward()
        trainer.step(step_size or len(idx))
        seen += len(rows)
        for out, lab, loss, w in zip(outputs, label, losses, weight):
            total_loss += loss.sum().as_in_context(ctx[0])
            hits = (out.argmax(axis=1) == lab) * w.reshape((-1,))
            correct += hits.sum().as_in_context(ctx[0])
        bar.update(1)
        if on_batch_end is not None:
            on_batch_end(i)
    bar.close()
    total_loss = float(total_loss.asscalar())
    elapsed = time.time() - start
    return {'loss': total_loss / max(seen, 1), 'accuracy': float(correct.asscalar()) / max(seen, 1),
            'examples': seen, 'samples_per_sec': seen / elapsed, 'seconds': elapsed}


def evaluate(net: gluon.Block, X: np.ndarray, y: np.ndarray, ctx: List[mx.Context],
             batch_size: int = 256, lengths: Optional[np.ndarray] = None,
             margin: int = 0) -> Dict[str, float]:
    """Mean cross-entropy loss and accuracy of ``net`` on ``(X, y)``.

    ``lengths`` and ``margin`` are passed to :func:`predict_logits`.

    Returns
    -------
    dict
        ``loss`` and ``accuracy`` (a fraction in [0, 1]).
    """
    logits = predict_logits(net, X, ctx, batch_size, lengths, margin)
    probs = softmax(logits.astype(np.float64))
    y = np.asarray(y, dtype=np.int64)
    loss = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None)).mean()
    return {'loss': float(loss), 'accuracy': float((probs.argmax(axis=1) == y).mean())}
