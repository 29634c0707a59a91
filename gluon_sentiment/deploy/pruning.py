"""What a compressed model keeps: the rows of an n-gram score table, and each parameter's encoding.

An n-gram score table (:class:`~gluon_sentiment.model.NgramTableNet`,
rows centered) is pruned by importance: a row's *spread* (its largest minus
its smallest class score, how far it can move a decision) times how many
training texts contain it, when the training texts are known, which is the
first-order change of the scores over the training set if the row were
zeroed. Rows of importance 0 go first: n-grams training never saw (their
naive-Bayes weight is 0, so their folded row is 0) and, with the training
texts, rows no training text reaches. Then :func:`largest_fit` finds how
many of the most important rows fit a size.

The other networks keep every row: embedding tables (the declared
``embedding`` and ``embedding_static``) of at least :data:`INT8_MIN_COLUMNS`
columns in int8 with a scale per row, everything else in float16 or float32
(:func:`dense_plan`).
"""
from typing import Callable, Dict, List, Optional

import numpy as np

from ..artifacts.compact import Packed, pack
from ..model.base import SentimentNet

__all__ = ['INT8_MIN_COLUMNS', 'FLOAT16_MAX', 'param_names', 'row_importance', 'ranked_rows',
           'table_encodings', 'table_params', 'largest_fit', 'dense_plan']

#: narrower tables keep float16 (or a codebook): a scale per row would cost as much as the row
INT8_MIN_COLUMNS = 8
#: the largest magnitude float16 holds
FLOAT16_MAX = 65504.0


def param_names(net: SentimentNet) -> Dict[str, str]:
    """Each parameter's full name -> its name without the network's prefix (as stored)."""
    return {name: name[len(net.prefix):] for name in net.collect_params().keys()}


def row_importance(table: np.ndarray, frequency: Optional[np.ndarray] = None) -> np.ndarray:
    """Each row's spread across the classes, times its training frequency when given."""
    spread = (table.max(axis=1) - table.min(axis=1)).astype(np.float64)
    return spread if frequency is None else spread * frequency


def ranked_rows(importance: np.ndarray) -> np.ndarray:
    """Ids of the rows of positive importance, the most important first (ties: lower id)."""
    candidates = np.flatnonzero(importance > 0)
    order = np.argsort(-importance[candidates], kind='stable')
    return candidates[order]


def table_encodings(num_classes: int) -> List[str]:
    """The encodings tried for a centered score table of ``num_classes`` columns."""
    narrow = num_classes - 1 < INT8_MIN_COLUMNS  # one column is left out (centered)
    return ['float16', 'codebook' if narrow else 'int8-rows']


def table_params(table: np.ndarray, bias: np.ndarray, names: Dict[str, str], encoding: str,
                 kept: np.ndarray) -> Dict[str, Packed]:
    """The packed parameters of a centered score table keeping only the rows ``kept``.

    ``names`` maps ``'table'`` and ``'bias'`` to the stored names.
    """
    rows = None if len(kept) == len(table) else np.sort(kept)
    return {names['table']: pack(table, encoding, rows=rows, centered=True),
            names['bias']: pack(bias)}


def largest_fit(total: int, budget: int, size_of: Callable[[int], int],
                slack: float = 0.005) -> int:
    """The largest ``k`` in ``0 .. total`` with ``size_of(k) <= budget`` (near enough); -1 if none.

    ``size_of`` must grow with ``k``. The search keeps a ``k`` that fits and
    one that does not and probes between them where a straight line through
    their sizes meets ``budget`` (sizes grow about linearly with the rows),
    until the one that fits is within ``slack`` of the budget or a
    thousandth of ``total`` of the one that does not; the result always fits.
    """
    low, high = 0, total
    low_size, high_size = size_of(0), size_of(total)
    if low_size > budget:
        return -1
    if high_size <= budget:
        return total
    step = max(1, total // 1000)
    while high - low > step and budget - low_size > slack * budget:
        guess = low + (budget - low_size) * (high - low) // max(1, high_size - low_size)
        probe = min(max(guess, low + 1), high - 1)  # strictly inside: the gap always shrinks
        probe_size = size_of(probe)
        if probe_size <= budget:
            low, low_size = probe, probe_size
        else:
            high, high_size = probe, probe_size
    return low


def dense_plan(net: SentimentNet, rest: str) -> Dict[str, Packed]:
    """Every parameter of ``net`` packed: embedding tables in int8 rows, the rest in ``rest``.

    ``rest`` is ``'float16'`` or ``'float32'``; a parameter too large for
    float16 stays float32, and so does an embedding narrower than
    :data:`INT8_MIN_COLUMNS` columns (float16 where ``rest`` allows it).
    """
    tables = {block.weight.name for block in (net.embedding, net.embedding_static)
              if block is not None}
    packed = {}
    for full, name in param_names(net).items():
        values = net.collect_params()[full].data().asnumpy()
        if full in tables and values.ndim == 2 and values.shape[1] >= INT8_MIN_COLUMNS:
            packed[name] = pack(values, 'int8-rows')
        elif rest == 'float16' and np.abs(values).max(initial=0) <= FLOAT16_MAX:
            packed[name] = pack(values, 'float16')
        else:
            packed[name] = pack(values)
    return packed
