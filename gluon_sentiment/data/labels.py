"""Class names and label values: which class each label is, in which order.

The rule, for every reader (:mod:`.formats`) and for labels given in memory
(:func:`label_indices`):

* ``--labels a,b,c`` names the classes, in order: class ``i`` is the
  ``i``-th name. Two names are the negative then the positive class.
* Without ``--labels``, values that are a known binary pair
  (:data:`BINARY_NAMES`: ``neg/pos``, ``negative/positive``, ``0/1``,
  case-insensitive) are the binary classes, as always: 0 negative, 1
  positive.
* Any other set of three or more values is taken as found, in a stable
  order: numerically when every value is an integer (``1 < 2 < 10``), else
  in Python's string order; a log line names the classes. Two values that
  are no known pair are refused (which one is positive?): name them with
  ``--labels NEG,POS``.

A binary run's class names are always :data:`BINARY_CLASSES`
(``negative``, ``positive``), whatever its label values were, so its
output reads as it always did.
"""
import logging
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ..errors import DataError

__all__ = ['BINARY_CLASSES', 'BINARY_NAMES', 'parse_class_names', 'class_names_of',
           'order_found', 'label_mapping', 'label_indices']

log = logging.getLogger(__name__)

#: the class names of every binary run: class 0, class 1
BINARY_CLASSES = ('negative', 'positive')
#: (negative, positive) name pairs recognized without ``--labels``
BINARY_NAMES = (('neg', 'pos'), ('negative', 'positive'), ('0', '1'))


def parse_class_names(labels: Union[str, Sequence[str], None]) -> Optional[Tuple[str, ...]]:
    """``'a,b,c'`` or ``('a', 'b', 'c')`` as a tuple of at least two different names.

    Raises
    ------
    DataError
        If fewer than two names, an empty one or a repeated one is given.
    """
    if labels is None:
        return None
    names = labels.split(',') if isinstance(labels, str) else list(labels)
    names = tuple(str(name).strip() for name in names)
    if len(names) < 2 or not all(names) or len(set(names)) != len(names):
        raise DataError(f'--labels {labels!r}: give at least two different class names, '
                        'comma-separated and in class order, e.g. --labels neg,pos or '
                        '--labels negative,neutral,positive')
    return names


def class_names_of(names: Sequence[str]) -> Tuple[str, ...]:
    """The class names a run keeps for the label names ``names`` (in class order).

    Two classes are always :data:`BINARY_CLASSES`.
    """
    return BINARY_CLASSES if len(names) == 2 else tuple(str(name) for name in names)


def _number(value: str) -> Optional[int]:
    try:
        return int(value)
    except ValueError:
        return None


def order_found(found: Iterable[str]) -> List[str]:
    """The distinct values ``found``, numerically if all are integers, else as strings."""
    found = sorted(set(found), key=str)
    if found and all(_number(value) is not None for value in found):
        return sorted(found, key=lambda value: (_number(value), value))
    return found


def label_mapping(found: Iterable[str], labels: Optional[Sequence[str]], where: str,
                  what: str) -> Tuple[Dict[str, int], Tuple[str, ...]]:
    """Map the values ``found`` to class indices (see the module for the rule).

    Parameters
    ----------
    found : iterable of str
        Label values or class folder/file names as read.
    labels : sequence of str, optional
        The ``--labels`` names, in class order.
    where, what : str
        The data path and what the values are (``'class folders'`` ...), for
        messages.

    Returns
    -------
    (dict, tuple of str)
        Value -> class index, and the run's class names (see
        :func:`class_names_of`).

    Raises
    ------
    DataError
        If a value is none of ``labels``, fewer than two classes occur
        without ``labels``, or two unknown values need ``--labels``.
    """
    found = order_found(found)
    if labels is not None:
        mapping = {name: i for i, name in enumerate(labels)}
        unknown = [name for name in found if name not in mapping]
        if unknown:
            raise DataError(f'{where}: {what} {unknown[:5]} are none of --labels '
                            f'{",".join(labels)}; only those may occur: leave out the texts of '
                            'other classes, or add their classes to --labels of the training')
        return mapping, class_names_of(labels)
    lowered = {name.lower() for name in found}
    for neg, pos in BINARY_NAMES:
        if found and lowered <= {neg, pos}:
            return {name: int(name.lower() == pos) for name in found}, BINARY_CLASSES
    if len(found) < 2:
        raise DataError(f'{where}: {what} hold only {found or "no value"}: a classifier needs at '
                        'least two classes; add texts of the other classes')
    if len(found) == 2:
        raise DataError(f'{where}: {what} {found} are not neg/pos, negative/positive or 0/1; '
                        'name the negative and the positive one with --labels NEG,POS')
    log.info('%s: %d classes taken as found, in this order (--labels sets another): %s', where,
             len(found), ', '.join(found))
    return {name: i for i, name in enumerate(found)}, tuple(found)


def label_indices(values: Sequence, labels: Union[str, Sequence[str], None] = None,
                  where: str = 'labels') -> Tuple[List[int], Tuple[str, ...]]:
    """Class indices of label values given in memory (strings, ints, bools), by the same rule.

    Returns
    -------
    (list of int, tuple of str)
        One index per value, and the class names.

    Raises
    ------
    DataError
        As :func:`label_mapping`, and for an empty label (naming its row).
    """
    cells = []
    for row, value in enumerate(values):
        cell = str(int(value)) if isinstance(value, bool) else str(value).strip()
        if value is None or not cell:
            raise DataError(f'{where}: row {row} has an empty label; give every text a label')
        cells.append(cell)
    mapping, names = label_mapping(cells, parse_class_names(labels), where, 'label values')
    return [mapping[cell] for cell in cells], names
