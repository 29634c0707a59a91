"""Forward passes of a network over batches of encoded texts, in prediction mode.

Shared by the classifiers (:mod:`.classifier`) and the trainer's
evaluation (:mod:`gluon_sentiment.training.engine`): batches are sorted by
length when the network accepts variable lengths, cut to their longest
text plus the network's margin, and split over a list of contexts.
"""
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Optional, Sequence

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon

__all__ = ['batch_width', 'sequential_batches', 'split_to_contexts', 'predict_logits',
           'batched_scores', 'softmax', 'apply_temperature']


def batch_width(lengths: Optional[np.ndarray], full: int, margin: int) -> int:
    """Columns a batch needs: its longest example plus ``margin``, at most ``full``.

    ``lengths`` None means fixed-length inputs (``full``). For
    max-over-time convolutions with ``margin`` = the widest kernel, cutting
    the padding this way leaves every output unchanged: each example keeps
    all its windows and at least one all-padding window.
    """
    if lengths is None or len(lengths) == 0:
        return full
    return int(min(full, int(lengths.max()) + margin))


def sequential_batches(num_examples: int, batch_size: int,
                       lengths: Optional[np.ndarray] = None) -> List[np.ndarray]:
    """Unshuffled batches for evaluation; sorted by length when ``lengths`` is given."""
    order = np.arange(num_examples) if lengths is None else np.argsort(lengths, kind='stable')
    return [order[i:i + batch_size] for i in range(0, num_examples, batch_size)]


def split_to_contexts(array: np.ndarray, ctx: List[mx.Context]) -> List[mx.nd.NDArray]:
    """``array`` as float32 NDArrays, split along the batch axis over ``ctx``."""
    ctx = ctx[:len(array)]  # a last batch smaller than the number of devices
    return gluon.utils.split_and_load(mx.nd.array(array, dtype='float32'), ctx,
                                      even_split=False)


def predict_logits(net: gluon.Block, X: np.ndarray, ctx: List[mx.Context],
                   batch_size: int = 256, lengths: Optional[np.ndarray] = None,
                   margin: int = 0) -> np.ndarray:
    """Scores ``(n, num_classes)`` of ``net`` on ``X``, in prediction mode (no dropout).

    With ``lengths``, examples are batched by length and each batch is cut
    to :func:`batch_width` columns; the scores come back in input order.
    """
    def forward(batch: np.ndarray) -> np.ndarray:
        return np.concatenate([net(x).asnumpy() for x in split_to_contexts(batch, ctx)])

    with autograd.predict_mode():
        return batched_scores(forward, X, batch_size, lengths, margin)


def batched_scores(score: Callable[[np.ndarray], np.ndarray], X: np.ndarray, batch_size: int,
                   lengths: Optional[np.ndarray] = None, margin: int = 0,
                   threads: int = 1) -> np.ndarray:
    """``score`` of ``X`` batch by batch, batched and cut as :func:`predict_logits` does.

    ``score`` maps a batch ``(b, width)`` of token indices to its scores
    ``(b, num_classes)``; the scores come back in input order (``(0, 2)``
    float32 zeros for no example). With ``threads`` > 1, that many threads
    score the batches (for a ``score`` that releases the GIL, as numpy's
    gathers and arithmetic do).
    """
    order = sequential_batches(len(X), batch_size, lengths)
    batches = (X[idx, :batch_width(None if lengths is None else lengths[idx], X.shape[1], margin)]
               for idx in order)
    if threads > 1 and len(order) > 1:
        with ThreadPoolExecutor(threads) as pool:
            outputs = list(pool.map(score, batches))
    else:
        outputs = [score(batch) for batch in batches]
    if not outputs:
        return np.zeros((0, 2), dtype=np.float32)
    logits = np.empty((len(X),) + outputs[0].shape[1:], dtype=outputs[0].dtype)
    logits[np.concatenate(order)] = np.concatenate(outputs)
    return logits


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a numpy array, computed stably."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def apply_temperature(probs: np.ndarray, temperature: Optional[float],
                      bias: Optional[Sequence[float]] = None) -> np.ndarray:
    """Calibrated probabilities ``softmax(log(probs) / temperature + bias)``, row by row.

    For one network this is ``softmax(logits / temperature + bias)``; for an
    ensemble it calibrates the averaged probabilities. ``bias`` (one value
    per class, the prior correction of runs trained with class weights, see
    :func:`gluon_sentiment.analysis.calibration.fit_temperature_bias`) is
    None for every other run. ``probs`` come back unchanged for a
    temperature of None (a run without one) or 1 and no bias.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if (temperature is None or temperature == 1.0) and bias is None or probs.size == 0:
        return probs
    scaled = np.log(np.clip(probs, 1e-300, None)) / float(temperature or 1.0)
    if bias is not None:
        scaled = scaled + np.asarray(bias, dtype=np.float64)
    return softmax(scaled)
