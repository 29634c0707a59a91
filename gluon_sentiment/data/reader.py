"""Read labelled movie reviews from an IMDB-style folder or ``.tar.gz`` archive.

The layout is that of Stanford's Large Movie Review Dataset::

    PATH/pos/*.txt  PATH/neg/*.txt            (a split folder)
    PATH/train/pos/*.txt ...                  (the dataset root)
    aclImdb_v1.tar.gz: aclImdb/train/pos/*.txt, aclImdb/test/neg/*.txt, ...

Archives are read in place, member by member, without extracting them.

Policies
--------
* Order is deterministic: positive reviews first, then negative, each sorted
  by file name in natural order (``2_9.txt`` before ``10_7.txt``), whatever
  order the file system or the archive lists them in.
* Label 1 is positive, 0 is negative.
* ``<br />`` tags are replaced by spaces.
* Files are decoded as UTF-8. A file that is not valid UTF-8 is decoded as
  Latin-1 instead (which cannot fail and keeps every byte as a character),
  and the number of such files is logged as a warning and returned in
  :attr:`Reviews.non_utf8`.
"""
import logging
import os
import re
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import Iterator, List, Tuple

import numpy as np

from ..errors import DataError
from .labels import BINARY_CLASSES
from .text import strip_html_breaks

__all__ = ['Reviews', 'read_reviews', 'decode_text', 'CLASS_DIRS']

log = logging.getLogger(__name__)

#: class folder name -> label
CLASS_DIRS = {'pos': 1, 'neg': 0}


@dataclass
class Reviews:
    """Labelled review texts.

    Attributes
    ----------
    texts : list of str
        Review texts, ``<br />`` tags removed.
    labels : numpy.ndarray
        int64 class indices (binary: 1 positive and 0 negative).
    sources : list of str
        Where each review came from (file path or archive member name).
    non_utf8 : int
        How many files were not valid UTF-8 and were decoded as Latin-1.
    class_names : tuple of str
        Name of each class, by index (binary: ``('negative', 'positive')``).
    """
    texts: List[str]
    labels: np.ndarray
    sources: List[str] = field(default_factory=list)
    non_utf8: int = 0
    class_names: Tuple[str, ...] = BINARY_CLASSES

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices) -> 'Reviews':
        """Return the reviews at ``indices`` (any integer sequence), in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        return Reviews([self.texts[i] for i in indices], self.labels[indices],
                       [self.sources[i] for i in indices] if self.sources else [],
                       self.non_utf8, self.class_names)


def decode_text(raw: bytes) -> Tuple[str, bool]:
    """Decode file bytes as UTF-8, else as Latin-1.

    Returns
    -------
    (str, bool)
        The text, and whether the Latin-1 fallback was needed.
    """
    try:
        return raw.decode('utf-8'), False
    except UnicodeDecodeError:
        return raw.decode('latin-1'), True


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', name)]


def read_reviews(path: str, split: str = 'train') -> Reviews:
    """Read labelled reviews from a folder or a ``.tar.gz`` archive.

    Parameters
    ----------
    path : str
        A folder holding ``pos/`` and ``neg/``, a folder holding
        ``SPLIT/pos`` and ``SPLIT/neg``, or a ``.tar.gz``/``.tgz``/``.tar``
        archive of either layout (``aclImdb_v1.tar.gz`` included).
    split : str, default 'train'
        The split folder to use when ``path`` is a dataset root
        (Stanford's archive has ``train`` and ``test``).

    Returns
    -------
    Reviews

    Raises
    ------
    DataError
        If the path is missing, is not in this layout, holds no review, or is
        a corrupt or truncated archive.
    """
    if not path:
        raise DataError('the data path is empty; expected a folder with pos/ and neg/ review '
                        'folders, or a .tar.gz archive of one')
    if not os.path.exists(path):
        raise DataError(f'{path}: no such file or folder; expected a folder with pos/ and neg/ '
                        'review folders, or a .tar.gz archive of one (like aclImdb_v1.tar.gz)')
    try:
        items = _read_folder(path, split) if os.path.isdir(path) else _read_archive(path, split)
        return _collect(items, path)
    except PermissionError as err:
        raise DataError(f'{err.filename or path}: cannot read it (permission denied)') from None


def _collect(items, path: str) -> Reviews:
    # items: iterable of (label, sort key, source, raw bytes)
    rows = sorted(items, key=lambda item: (-item[0], item[1]))
    if not rows:
        raise DataError(f'{path}: the pos/ and neg/ folders hold no .txt review; '
                        'expected one review per .txt file')
    texts, labels, sources, non_utf8 = [], [], [], 0
    for label, _, source, raw in rows:
        text, fallback = decode_text(raw)
        non_utf8 += fallback
        texts.append(strip_html_breaks(text).strip())
        labels.append(label)
        sources.append(source)
    if non_utf8:
        log.warning('%s: %d of %d files were not valid UTF-8 and were decoded as Latin-1',
                    path, non_utf8, len(rows))
    return Reviews(texts, np.asarray(labels, dtype=np.int64), sources, non_utf8)


def _class_root(path: str, split: str) -> str:
    for root in (path, os.path.join(path, split)):
        if all(os.path.isdir(os.path.join(root, name)) for name in CLASS_DIRS):
            return root
    found = sorted(os.listdir(path))[:10]
    raise DataError(f'{path}: expected review folders pos/ and neg/ here or under {split}/, '
                    f'found {found or "an empty folder"}')


def _read_folder(path: str, split: str) -> Iterator:
    root = _class_root(path, split)
    for name, label in CLASS_DIRS.items():
        folder = os.path.join(root, name)
        for entry in os.scandir(folder):
            if entry.name.endswith('.txt') and entry.is_file():
                try:
                    with open(entry.path, 'rb') as f:
                        raw = f.read()
                except OSError as err:
                    raise DataError(f'{entry.path}: cannot read review file ({err.strerror})') from None
                yield label, _natural_key(entry.name), entry.path, raw


def _read_archive(path: str, split: str) -> List:
    if os.path.getsize(path) == 0:
        raise DataError(f'{path}: empty file; expected a .tar.gz archive of pos/ and neg/ reviews')
    with open(path, 'rb'):  # a PermissionError here is reported as such, not as corruption
        pass
    try:
        with tarfile.open(path, 'r:*') as tar:
            by_prefix = {}
            for member in tar:
                if not member.isfile() or not member.name.endswith('.txt'):
                    continue
                parts = member.name.split('/')
                if len(parts) < 2 or parts[-2] not in CLASS_DIRS:
                    continue
                prefix = '/'.join(parts[:-2])
                raw = tar.extractfile(member).read()
                by_prefix.setdefault(prefix, []).append(
                    (CLASS_DIRS[parts[-2]], _natural_key(parts[-1]), f'{path}:{member.name}', raw))
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:  # gzip.BadGzipFile too
        reason = ' '.join(str(err).split()) or type(err).__name__  # tarfile's are multi-line
        raise DataError(f'{path}: corrupt or truncated archive ({reason}); '
                        'download it again or pass the extracted folder') from None
    if not by_prefix:
        raise DataError(f'{path}: the archive holds no pos/*.txt or neg/*.txt review; '
                        'expected the layout of aclImdb_v1.tar.gz')
    return by_prefix[_choose_prefix(sorted(by_prefix), split, path)]


def _choose_prefix(prefixes: List[str], split: str, path: str) -> str:
    if len(prefixes) == 1:
        return prefixes[0]
    matching = [p for p in prefixes if p.split('/')[-1] == split]
    if len(matching) == 1:
        return matching[0]
    raise DataError(f'{path}: the archive holds several review folders {prefixes}; '
                    f'none or several end in {split!r}: pass the split to read')
