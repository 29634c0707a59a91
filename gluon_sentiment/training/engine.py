"""The training engine: batches, one training step and epoch, evaluation.

No module state. Contexts are always a list. An epoch's global batches
(:func:`epoch_batches`) are laid out for this process as :class:`Batch`
objects (:func:`layout_batches`: its shard of the rows, the columns kept,
the step's normalization); :func:`train_batch` splits one over the
contexts with :func:`mxnet.gluon.utils.split_and_load`, runs each shard's
forward and backward under ``autograd.record()``, and
``trainer.step(batch.size)`` normalizes by the whole batch.
:func:`train_epoch` is the plain loop over the steps, summed by an
:class:`EpochMeter`.
"""
import logging
import time
import warnings
from dataclasses import dataclass
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import autograd, gluon
from tqdm import tqdm

from ..errors import ConfigError
from ..inference.batches import (batch_width, predict_logits, softmax,
                                split_to_contexts)

__all__ = ['make_contexts', 'epoch_batches', 'Batch', 'layout_batches', 'train_batch', 'StepOutput',
           'EpochMeter', 'train_epoch', 'evaluate']

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


@dataclass(frozen=True)
class Batch:
    """One training step as this process loads it: which rows, cut how, normalized by what.

    Parameters
    ----------
    rows : numpy.ndarray
        Indices into ``(X, y)`` of the examples this process trains on (its
        share of the global batch; may be empty).
    width : int
        Columns of ``X`` kept: the global batch's longest example plus the
        model's margin (see :func:`batch_width`), so that every worker cuts
        the batch as one process would.
    size : int
        Examples ``trainer.step`` normalizes by.
    filler : int
        Index of an example loaded, with weight 0, into contexts that
        ``rows`` cannot fill, so that every context runs a backward (a
        context without one would add its last step's gradient).
    """
    rows: np.ndarray
    width: int
    size: int
    filler: int

    @classmethod
    def whole(cls, indices: np.ndarray, width: int) -> 'Batch':
        """The batch ``indices`` trained whole by one process, ``width`` columns wide."""
        return cls(indices, width, len(indices), int(indices[0]))


def layout_batches(batches: Sequence[np.ndarray], seq_len: int,
                   lengths: Optional[np.ndarray] = None, margin: int = 0, rank: int = 0,
                   num_workers: int = 1, step_size: Optional[int] = None) -> List[Batch]:
    """Lay out the global batches of an epoch (see :func:`epoch_batches`) for one process.

    Parameters
    ----------
    batches : sequence of numpy.ndarray
        Index arrays of the global batches, in order.
    seq_len : int
        Columns of the encoded data.
    lengths : numpy.ndarray, optional
        Valid lengths; when given, each batch is cut to :func:`batch_width`
        columns (variable-length models only).
    margin : int
        Padding kept after the longest example of a batch.
    rank, num_workers : int
        In a multi-process job, this process trains on positions ``rank``,
        ``rank + num_workers``, ... of every batch (the others on the rest);
        a process whose share of a batch is empty still takes the step.
    step_size : int, optional
        Examples ``trainer.step`` normalizes by; default the whole global
        batch, over all contexts and workers.

    Returns
    -------
    list of Batch
        One per global batch, in the same order.
    """
    # the width of the whole batch, as one process would cut it: F.max sends the gradient to
    # every tied all-padding window, so the padding kept changes the gradient
    return [Batch(idx[rank::num_workers],
                  batch_width(None if lengths is None else lengths[idx], seq_len, margin),
                  step_size or len(idx), int(idx[0]))
            for idx in batches]


def _load_rows(net: gluon.Block, X: np.ndarray, y: np.ndarray, batch: Batch,
               ctx: List[mx.Context]):
    """Split ``batch``'s rows of ``(X, y)`` over ``ctx``, with a 0/1 weight per row.

    Every context gets at least one row: those the rows cannot fill are
    copies of ``batch.filler`` with weight 0. The inputs of each context are
    a tuple: the arrays ``net.training_inputs`` makes of the rows' token
    indices (see :meth:`~gluon_sentiment.model.SentimentNet.training_block`),
    or the indices alone for a block without it.
    """
    pad = max(0, len(ctx) - len(batch.rows))
    weight = np.concatenate([np.ones(len(batch.rows)), np.zeros(pad)]).reshape(-1, 1)
    rows = np.concatenate([batch.rows, np.repeat([batch.filler], pad)]).astype(np.int64)
    tokens = X[rows, :batch.width]
    prepare = getattr(net, 'training_inputs', None)
    arrays = (tokens,) if prepare is None else prepare(tokens)
    inputs = list(zip(*(split_to_contexts(array, ctx) for array in arrays)))
    return (inputs, split_to_contexts(y[rows], ctx),
            gluon.utils.split_and_load(mx.nd.array(weight), ctx, even_split=False))


class StepOutput(NamedTuple):
    """What :func:`train_batch` computed, one entry per context (as MXNet's ``fit_batch``)."""
    outputs: List[mx.nd.NDArray]
    labels: List[mx.nd.NDArray]
    losses: List[mx.nd.NDArray]
    weights: List[mx.nd.NDArray]


def train_batch(net: gluon.Block, trainer: gluon.Trainer, loss_fn: gluon.loss.Loss,
                X: np.ndarray, y: np.ndarray, batch: Batch,
                ctx: List[mx.Context]) -> StepOutput:
    """One training step: split ``batch`` over ``ctx``, forward and backward per shard, update.

    Parameters
    ----------
    net, trainer, loss_fn, X, y, ctx
        As in :func:`train_epoch`.
    batch : Batch
        The step's examples and layout.

    Returns
    -------
    StepOutput
        Scores, labels, per-example losses and 0/1 weights of each context.
    """
    data, labels, weights = _load_rows(net, X, y, batch, ctx)
    with autograd.record():
        outputs = [net(*inputs) for inputs in data]
        losses = [loss_fn(out, lab, w) for out, lab, w in zip(outputs, labels, weights)]
    for loss in losses:
        loss.backward()
    trainer.step(batch.size)
    return StepOutput(outputs, labels, losses, weights)


class EpochMeter:
    """Loss, accuracy and speed of a training epoch, summed on ``device`` step by step.

    Parameters
    ----------
    device : Context
        Where the sums are kept (the first training context); they are read
        back only by :meth:`result`, so steps are not synchronized.
    steps : int
        Steps of the epoch, for the progress bar.
    progress : bool
        Show a progress bar (on a terminal only).
    """

    def __init__(self, device: mx.Context, steps: int, progress: bool = True):
        self._device = device
        self._loss = mx.nd.zeros(1, ctx=device)
        self._correct = mx.nd.zeros(1, ctx=device)
        self._start = time.time()
        self.examples = 0
        self._bar = tqdm(total=steps, desc='train', leave=False,
                         disable=None if progress else True)

    def update(self, batch: Batch, step: StepOutput) -> None:
        """Add one step's loss and hits over ``batch``'s rows (weighted fillers count 0)."""
        self.examples += len(batch.rows)
        for out, lab, loss, w in zip(*step):
            self._loss += loss.sum().as_in_context(self._device)
            hits = (out.argmax(axis=1) == lab) * w.reshape((-1,))
            self._correct += hits.sum().as_in_context(self._device)
        self._bar.update(1)

    def result(self) -> Dict[str, float]:
        """Close the progress bar; ``loss`` (mean per example), ``accuracy``, ``examples``,
        ``samples_per_sec`` and ``seconds``."""
        self._bar.close()
        total_loss = float(self._loss.asscalar())
        elapsed = time.time() - self._start
        seen = self.examples
        return {'loss': total_loss / max(seen, 1),
                'accuracy': float(self._correct.asscalar()) / max(seen, 1),
                'examples': seen, 'samples_per_sec': seen / elapsed, 'seconds': elapsed}


def train_epoch(net: gluon.Block, trainer: gluon.Trainer, loss_fn: gluon.loss.Loss,
                X: np.ndarray, y: np.ndarray, batches: Sequence[Union[Batch, np.ndarray]],
                ctx: List[mx.Context], progress: bool = True) -> Dict[str, float]:
    """Train one pass over ``(X, y)``, batch by batch.

    The fit loop of :func:`gluon_sentiment.training.run_training` takes the
    same steps (:func:`train_batch`, :class:`EpochMeter`) and calls its
    handlers after each.

    Parameters
    ----------
    net : Block
        What a step calls, initialized on every context of ``ctx``: the
        model, or its ``training_block()``; a ``training_inputs`` method, if
        it has one, makes each batch's input arrays (see
        :meth:`~gluon_sentiment.model.SentimentNet.training_block`).
    trainer : gluon.Trainer
        Trainer over ``net``'s parameters.
    loss_fn : gluon.loss.Loss
        Per-example loss that takes a sample weight, e.g.
        ``SoftmaxCrossEntropyLoss``.
    X, y : numpy.ndarray
        Token indices ``(n, seq_len)`` and labels ``(n,)``.
    batches : sequence of Batch or numpy.ndarray
        One per step: a :class:`Batch` (see :func:`layout_batches`), or an
        index array (see :func:`epoch_batches`), trained whole and at full
        width. Each step's batch is split over all contexts.
    ctx : list of Context
        Devices.
    progress : bool
        Show a progress bar (on a terminal only).

    Returns
    -------
    dict
        ``loss`` (mean per example), ``accuracy``, ``examples``,
        ``samples_per_sec`` and ``seconds``, over this process's rows.
    """
    meter = EpochMeter(ctx[0], len(batches), progress)
    for batch in batches:
        if not isinstance(batch, Batch):
            batch = Batch.whole(batch, X.shape[1])
        meter.update(batch, train_batch(net, trainer, loss_fn, X, y, batch, ctx))
    return meter.result()


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
