"""Ratings as classes: IMDB-style file names ``<id>_<rating>.txt`` carry a fine-grained target.

``--target rating`` takes each review's class from the rating in its file
name instead of its folder:

* ``--rating-bins 1-2,3-4,7-8,9-10`` makes one class per range, in that
  order (named ``1-2``, ``3-4``, ... or by ``--labels``); a review whose
  rating is in no range is left out, with a log line counting them.
* Without ``--rating-bins`` each rating found is a class, in numeric order.

Two classes are a binary run (``negative``, ``positive``) as always.
"""
import logging
import os
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..errors import DataError
from .labels import class_names_of
from .reader import Reviews

__all__ = ['TARGETS', 'parse_rating_bins', 'review_rating', 'rating_target']

log = logging.getLogger(__name__)

#: values of ``--target``
TARGETS = ('label', 'rating')

_RATING = re.compile(r'_(\d+)\.txt$')


def parse_rating_bins(text: str) -> List[Tuple[int, int]]:
    """``'1-2,3-4,10'`` as ``[(1, 2), (3, 4), (10, 10)]``: disjoint inclusive ranges.

    Raises
    ------
    DataError
        If a range is not ``LOW-HIGH`` or ``N`` with ``LOW <= HIGH``, ranges
        overlap, or fewer than two are given.
    """
    bins = []
    for part in str(text).split(','):
        match = re.fullmatch(r'\s*(\d+)\s*(?:-\s*(\d+)\s*)?', part)
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            raise DataError(f'--rating-bins {text!r}: {part!r} is not a range like 1-2 or 10; '
                            'write e.g. --rating-bins 1-2,3-4,7-8,9-10')
        bins.append((int(match.group(1)), int(match.group(2) or match.group(1))))
    ordered = sorted(bins)
    if len(bins) < 2 or any(a[1] >= b[0] for a, b in zip(ordered, ordered[1:])):
        raise DataError(f'--rating-bins {text!r}: give at least two ranges that do not overlap, '
                        'e.g. --rating-bins 1-4,7-10')
    return bins


def review_rating(source: str) -> int:
    """The rating in a review's file name ``<id>_<rating>.txt``.

    Raises
    ------
    DataError
        If the name carries no rating.
    """
    match = _RATING.search(os.path.basename(source.split(':')[-1]))
    if not match:
        raise DataError(f'{source}: the file name carries no rating (expected <id>_<rating>.txt '
                        'as in IMDB); --target rating needs one, or use --target label')
    return int(match.group(1))


def rating_target(reviews: Reviews, bins: Optional[str] = None,
                  names: Optional[Sequence[str]] = None) -> Reviews:
    """``reviews`` relabelled by the rating of their file names (see the module).

    Parameters
    ----------
    reviews : Reviews
        Reviews read from files named ``<id>_<rating>.txt``.
    bins : str, optional
        ``--rating-bins``; default one class per rating found.
    names : sequence of str, optional
        ``--labels``: one class name per range (or rating).

    Raises
    ------
    DataError
        If a file name has no rating, ``names`` has the wrong count, or
        fewer than two classes remain.
    """
    ratings = np.array([review_rating(source) for source in reviews.sources], dtype=np.int64)
    if bins:
        ranges = parse_rating_bins(bins)
        default = [f'{lo}-{hi}' if lo != hi else str(lo) for lo, hi in ranges]
    else:
        found = np.unique(ratings).tolist()
        ranges, default = [(r, r) for r in found], [str(r) for r in found]
    if names is not None and len(names) != len(ranges):
        raise DataError(f'--labels {",".join(names)}: {len(names)} names for {len(ranges)} '
                        f'rating classes ({", ".join(default)}); give one name per class')
    labels = np.full(len(ratings), -1, dtype=np.int64)
    for cls, (lo, hi) in enumerate(ranges):
        labels[(ratings >= lo) & (ratings <= hi)] = cls
    kept = np.flatnonzero(labels >= 0)
    if len(kept) < len(labels):
        log.info('--rating-bins %s: left out %d reviews whose rating is in no range', bins,
                 len(labels) - len(kept))
    if len(ranges) < 2 or len(np.unique(labels[kept])) < 2:
        raise DataError(f'--target rating: the ratings found ({sorted(set(ratings.tolist()))}) '
                        'give fewer than two classes; give --rating-bins that split them')
    out = reviews.subset(kept)
    out.labels = labels[kept]
    out.class_names = class_names_of(names or default)
    log.info('--target rating: %d classes %s', len(ranges), ', '.join(out.class_names))
    return out
