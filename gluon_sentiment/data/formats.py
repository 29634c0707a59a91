"""Read labelled texts in any of the dataset formats the package knows.

:func:`load_dataset` is the one entry point; it returns
:class:`~gluon_sentiment.data.reader.Reviews` whatever the format:

``imdb``
    Stanford's layout, ``pos/`` and ``neg/`` folders of ``.txt`` files, or a
    ``.tar.gz`` of it (:func:`~gluon_sentiment.data.reader.read_reviews`).
``folder``
    A folder of two class folders with one text file per review, under any
    names: ``--labels bad,good`` names the negative then the positive one.
``csv``, ``tsv``, ``jsonl``
    One review per row or line, its text in ``--text-column`` and its label
    in ``--label-column``; the two label values are given by ``--labels``.
``lines``
    One text per line, one file per class, like the sentence-polarity
    corpus ``rt-polarity.neg`` / ``rt-polarity.pos``. ``--data`` names the
    folder holding the two files, either file, or their common prefix
    (``rt-polarity``). A file's class is its extension, or its stem for
    ``.txt`` files (``pos.txt``).

Detection (when ``format`` is None) looks at what the path is: an archive is
``imdb``; ``.csv``, ``.tsv``/``.tab`` and ``.jsonl``/``.ndjson`` files are
what they say; a ``.pos``/``.neg`` file or prefix is ``lines``; a folder with
``pos/`` and ``neg/`` (here or under ``train/``) is ``imdb``, one with two
class sub-folders (named by ``labels`` or a known pair) is ``folder`` and one
with two files is ``lines``.

Labels: without ``labels``, class names and label values are matched
case-insensitively against ``neg/pos``, ``negative/positive`` and ``0/1``.
Any other value is an error naming the values found. Every text is decoded
as UTF-8, else as Latin-1 (:func:`~gluon_sentiment.data.reader.decode_text`),
and ``<br />`` tags are removed, as for IMDB.

Hostile text: a line of ``lines`` and ``jsonl`` files ends at ``\\n`` (or
``\\r\\n``) and nowhere else (:func:`~gluon_sentiment.data.text.split_lines`),
so U+0085, U+2028 and the like stay inside their text; a JSON string's lone
surrogate escapes (``"\\ud800"``) are replaced by U+FFFD, counted in one
warning; NUL and control characters are kept (the tokenizer drops them);
a text of any length is read (CSV's field limit is raised to the file's size).
"""
import csv
import io
import json
import logging
import os
import sys
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..errors import DataError
from .labels import BINARY_NAMES, label_mapping, parse_class_names
from .ratings import TARGETS, rating_target
from .reader import Reviews, _collect, _natural_key, decode_text, read_reviews
from .text import replace_surrogates, split_lines, strip_html_breaks

__all__ = ['FORMATS', 'DEFAULT_LABELS', 'load_dataset', 'detect_format', 'parse_labels']

log = logging.getLogger(__name__)

#: format names accepted by ``--format``
FORMATS = ('imdb', 'folder', 'csv', 'tsv', 'jsonl', 'lines')

#: (negative, positive) name pairs recognized without ``--labels``
DEFAULT_LABELS = BINARY_NAMES
#: folders that never are a class (IMDB's unlabelled reviews)
UNLABELLED = ('unsup',)

_EXTENSIONS = {'.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
               '.tar.gz': 'imdb', '.tgz': 'imdb', '.tar': 'imdb', '.pos': 'lines', '.neg': 'lines'}


def parse_labels(labels: Union[str, Sequence[str], None]) -> Optional[Tuple[str, ...]]:
    """``'neg,pos'`` or ``('a', 'b', 'c')`` as a tuple of class names, in class order.

    Raises
    ------
    DataError
        Unless at least two different names are given.
    """
    return parse_class_names(labels)


def _label_map(found: Iterable[str], labels: Optional[Tuple[str, ...]], where: str,
               what: str) -> Tuple[Dict[str, int], Tuple[str, ...]]:
    """Map the class names or values ``found`` to class indices, or explain what to pass."""
    return label_mapping(found, labels, where, what)


def _class_dirs(path: str) -> List[str]:
    """The class folders of ``path``: its sub-folders but hidden ones and IMDB's ``unsup``."""
    return sorted(e.name for e in os.scandir(path) if e.is_dir()
                  and not e.name.startswith('.') and e.name not in UNLABELLED)


def _class_files(folder: str) -> List[str]:
    return sorted(entry.path for entry in os.scandir(folder)
                  if entry.is_file() and not entry.name.startswith('.'))


def _lines_files(path: str) -> Optional[List[str]]:
    """The class files a ``lines`` dataset at ``path`` consists of, or None."""
    if os.path.isdir(path):
        files = _class_files(path)
        return files if len(files) >= 2 else None
    stem, ext = os.path.splitext(path)
    if ext in ('.pos', '.neg'):
        pair = [stem + '.neg', stem + '.pos']
    else:
        pair = [path + '.neg', path + '.pos']
    return pair if all(os.path.isfile(p) for p in pair) else None


def _class_name(path: str) -> str:
    stem, ext = os.path.splitext(os.path.basename(path))
    return stem if ext.lower() in ('', '.txt') else ext[1:]


def detect_format(path: str, labels: Union[str, Sequence[str], None] = None) -> str:
    """The format of the dataset at ``path`` (one of :data:`FORMATS`).

    A folder of two sub-folders is ``folder`` when their names are a known
    pair (``neg``/``pos`` ...) or the two ``labels``; any other folder
    without ``pos/`` and ``neg/`` is refused, so a wrong path is not read
    as some dataset.

    Raises
    ------
    DataError
        If ``path`` does not exist or fits no format.
    """
    if not os.path.exists(path) and _lines_files(path) is None:
        raise DataError(f'{path}: no such file or folder; expected a folder with pos/ and neg/ '
                        'review folders, a .tar.gz archive of one (like aclImdb_v1.tar.gz), '
                        'a .csv/.tsv/.jsonl file or rt-polarity.pos/.neg style files')
    if os.path.isdir(path):
        subdirs = _class_dirs(path)
        for root in (path, os.path.join(path, 'train')):
            if all(os.path.isdir(os.path.join(root, name)) for name in ('pos', 'neg')) and (
                    root != path or len(subdirs) == 2):
                return 'imdb'
        names = parse_labels(labels)
        lowered = {name.lower() for name in subdirs}
        if names is not None and len(subdirs) >= 2 and set(names) <= set(subdirs):
            return 'folder'
        if (len(subdirs) == 2 and any(lowered == set(known) for known in DEFAULT_LABELS)) or (
                names is None and len(subdirs) >= 3):
            return 'folder'
        if _lines_files(path) is not None:
            return 'lines'
        raise DataError(f'{path}: expected review folders pos/ and neg/ here or under train/, '
                        'two class folders named by --labels NEG,POS (or more, by --labels '
                        'A,B,C), or class files, found '
                        f'{sorted(os.listdir(path))[:10] or "an empty folder"}; '
                        f'--format ({", ".join(FORMATS)}) forces a format')
    name = path.lower()
    for ext, fmt in _EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    if _lines_files(path) is not None:
        return 'lines'
    raise DataError(f'{path}: cannot tell the dataset format from the file name; '
                    f'pass --format ({", ".join(FORMATS)})')


def load_dataset(path: str, format: Optional[str] = None,  # pylint: disable=redefined-builtin
                 labels: Union[str, Sequence[str], None] = None, text_column: str = 'text',
                 label_column: str = 'label', split: str = 'train', target: str = 'label',
                 rating_bins: Optional[str] = None) -> Reviews:
    """Read the labelled texts at ``path``.

    Parameters
    ----------
    path : str
        Dataset file, folder or (``lines``) common file prefix.
    format : str, optional
        One of :data:`FORMATS`; detected from ``path`` when None.
    labels : str or sequence of str, optional
        The class names or label values in class order, ``'neg,pos'`` or
        ``'negative,neutral,positive'`` (see :mod:`gluon_sentiment.data.labels`).
    text_column, label_column : str, default 'text', 'label'
        Columns (CSV/TSV) or keys (JSONL) of the text and the label.
    split : str, default 'train'
        Split folder of an IMDB dataset root or archive.
    target : {'label', 'rating'}, default 'label'
        What the classes are: the labels, or the rating in IMDB-style file
        names ``<id>_<rating>.txt`` (see :mod:`gluon_sentiment.data.ratings`).
    rating_bins : str, optional
        With ``target='rating'``: ratings per class, ``'1-2,3-4,7-8,9-10'``
        (default: each rating found is a class).

    Returns
    -------
    Reviews
        Texts with class indices (binary: 1 positive, 0 negative) and the
        class names.

    Raises
    ------
    DataError
        If the data is missing, in no known format, lacks the named columns,
        holds label values other than those expected or an empty label, or
        holds no text.
    """
    fmt = format or detect_format(path, labels)
    if fmt not in FORMATS:
        raise DataError(f'--format {fmt!r}: unknown; choose one of {", ".join(FORMATS)}')
    if target not in TARGETS:
        raise DataError(f'--target {target!r}: unknown; choose one of {", ".join(TARGETS)}')
    names = parse_labels(labels)
    if target == 'rating':
        reviews = rating_target(read_reviews(path, split) if fmt == 'imdb' else
                                _read_class_folders(path, None, every=True), rating_bins, names)
    elif fmt == 'imdb':
        reviews = read_reviews(path, split)
    elif fmt == 'folder':
        reviews = _read_class_folders(path, names)
    elif fmt == 'lines':
        reviews = _read_lines(path, names)
    else:
        reviews = _read_table(path, fmt, names, text_column, label_column)
    log.debug('%s: read %d texts as %s', path, len(reviews), fmt)
    return reviews


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as err:
        raise DataError(f'{path}: cannot read ({err.strerror})') from None


def _read_class_folders(path: str, labels: Optional[Tuple[str, ...]],
                        every: bool = False) -> Reviews:
    """The class folders of ``path`` (``every``: all of them, unlabelled, for ratings)."""
    if not os.path.isdir(path):
        raise DataError(f'{path}: --format folder needs a folder holding one folder per class')
    names = _class_dirs(path)
    if labels is not None:
        missing = [name for name in labels if name not in names]
        if missing:
            raise DataError(f'{path}: no class folder {missing[0]!r} (found {names[:10]}); '
                            'fix --labels')
        names = list(labels)
    if every:
        mapping, classes = {name: 0 for name in names}, ('all',)
    else:
        mapping, classes = _label_map(names, labels, path, 'class folders')
    items = []
    for name in names:
        for file_path in _class_files(os.path.join(path, name)):
            items.append((mapping[name], _natural_key(os.path.basename(file_path)), file_path,
                          _read_bytes(file_path)))
    if not items:
        raise DataError(f'{path}: the class folders {names} hold no file; '
                        'expected one review per file')
    reviews = _collect(items, path)
    reviews.class_names = classes
    return reviews


def _read_lines(path: str, labels: Optional[Tuple[str, str]]) -> Reviews:
    files = _lines_files(path)
    if files is None:
        raise DataError(f'{path}: --format lines needs two class files (like rt-polarity.neg and '
                        'rt-polarity.pos): their folder, one of them or their common prefix')
    names = [_class_name(p) for p in files]
    mapping, classes = _label_map(names, labels, path, 'class files')
    texts, label_list, sources, non_utf8 = [], [], [], 0
    for file_path, name in sorted(zip(files, names), key=lambda fn: -mapping[fn[1]]):
        text, fallback = decode_text(_read_bytes(file_path))
        non_utf8 += fallback
        for number, line in enumerate(split_lines(text), 1):
            line = strip_html_breaks(line).strip()
            if line:
                texts.append(line)
                label_list.append(mapping[name])
                sources.append(f'{file_path}:{number}')
    if non_utf8:
        log.info('%s: %d of %d files were not valid UTF-8 and were decoded as Latin-1', path,
                 non_utf8, len(files))
    return _reviews(texts, label_list, sources, non_utf8, path, classes)


def _reviews(texts, label_list, sources, non_utf8, path, classes) -> Reviews:
    if not texts:
        raise DataError(f'{path}: holds no text')
    return Reviews(texts, np.asarray(label_list, dtype=np.int64), sources, non_utf8, classes)


def _read_table(path: str, fmt: str, labels: Optional[Tuple[str, str]], text_column: str,
                label_column: str) -> Reviews:
    if not os.path.isfile(path):
        raise DataError(f'{path}: --format {fmt} needs a file')
    content, fallback = decode_text(_read_bytes(path))
    content = content.lstrip('\ufeff')
    rows = _json_rows(content, path) if fmt == 'jsonl' else _csv_rows(content, fmt, path)
    texts, raw_labels, sources, replaced = [], [], [], 0
    for number, row in rows:
        missing = [col for col in (text_column, label_column) if col not in row]
        if missing:
            flag = '--text-column' if missing[0] == text_column else '--label-column'
            raise DataError(f'{path}: row {number} has no column {missing[0]!r} (columns: '
                            f'{", ".join(map(str, row))}); name the right one with {flag}')
        text, count = replace_surrogates(strip_html_breaks(str(row[text_column] or '')).strip())
        texts.append(text)
        replaced += count
        raw_labels.append(_label_value(row[label_column]))
        if not raw_labels[-1]:
            raise DataError(f'{path}: row {number} has an empty label in column '
                            f'{label_column!r}; give it a label or remove the row')
        sources.append(f'{path}:{number}')
    if replaced:
        log.warning('%s: %d lone surrogate escapes (not Unicode characters) in the texts were '
                    'replaced by U+FFFD', path, replaced)
    mapping, classes = _label_map(raw_labels, labels, path,
                                  f'label values in column {label_column!r}')
    return _reviews(texts, [mapping[value] for value in raw_labels], sources, int(fallback), path,
                    classes)


def _label_value(value) -> str:
    """A label cell or JSON value as the string matched against the label names."""
    if isinstance(value, bool) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))  # JSON true/1.0 and 1 are the same label
    return replace_surrogates(str(value).strip())[0]


def _csv_rows(content: str, fmt: str, path: str):
    # a review may be longer than csv's default field limit of 128 KiB
    csv.field_size_limit(max(csv.field_size_limit(), min(len(content) + 1, sys.maxsize)))
    reader = csv.DictReader(io.StringIO(content, newline=''),
                            delimiter='\t' if fmt == 'tsv' else ',')
    try:
        reader.fieldnames  # pylint: disable=pointless-statement  (reads the header line)
        start = reader.line_num + 1
        for row in reader:  # each row is reported by the line it starts on
            if any(value for value in row.values() if value):
                yield start, {k: v for k, v in row.items() if k is not None}
            start = reader.line_num + 1
    except csv.Error as err:
        raise DataError(f'{path}: line {reader.line_num}: not valid {fmt.upper()} ({err})') from None


def _json_rows(content: str, path: str):
    for number, line in enumerate(split_lines(content), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f'{path}: line {number}: not valid JSON ({err.msg})') from None
        except RecursionError:
            raise DataError(f'{path}: line {number}: JSON nested too deeply to read') from None
        if not isinstance(row, dict):
            raise DataError(f'{path}: line {number}: expected a JSON object per line')
        yield number, row
