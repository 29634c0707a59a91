"""Compact parameter files: a network's parameters in fewer bytes, read back as float32.

A *compact run* is a run directory whose parameters are ``params.npz``
(:data:`~gluon_sentiment.artifacts.store.COMPACT_PARAMS`) instead of
``best.params``; :func:`gluon_sentiment.load_model` loads it like any run.
The file is a NumPy ``.npz`` archive (zlib-compressed, read without pickle)
holding, per parameter, one of these encodings:

``float32``, ``float16``
    The values as they are, or in half precision.
``int8-rows``
    A table's rows in int8 with one float32 scale per row:
    ``row = int8 * scale``, ``scale = max |row| / 127``.
``codebook``
    Each value replaced by the nearest of 256 float32 levels, stored as
    its uint8 code (for narrow tables, where a scale per row would cost as
    much as the values).

and, for a 2-D table, optionally

* only some rows (``rows``): the kept row ids, sorted and stored as the
  gaps between them (in the smallest unsigned type that holds them, which
  zlib then packs), and their values; the other rows are zero;
* ``centered``: every row sums to zero, so the last column is left out and
  rebuilt as minus the sum of the others.

The archive's ``spec`` entry (JSON) names the format
(:data:`~gluon_sentiment.artifacts.store.COMPACT_FORMAT`) and each
parameter's name (without the network's prefix, as bundles name them),
shape and encoding. Its SHA-256 is recorded in the run's ``metrics.json``
like that of ``best.params`` (:mod:`gluon_sentiment.artifacts.checksums`).
"""
import io
import json
import os
import zipfile
from typing import Any, Dict, Optional, Tuple

import mxnet as mx
import numpy as np

from ..errors import RunDirError
from .checksums import run_checksum, verify_checksum, write_checked
from .params import summarize_error
from .store import COMPACT_FORMAT, COMPACT_PARAMS, CONFIG

__all__ = ['ENCODINGS', 'Packed', 'is_compact', 'pack', 'unpack', 'packed_bytes',
           'write_compact', 'read_compact', 'load_compact']

#: the value encodings of a compact parameter file
ENCODINGS = ('float32', 'float16', 'int8-rows', 'codebook')

#: one parameter in compact form: its spec entry and its arrays (named without the parameter)
Packed = Tuple[Dict[str, Any], Dict[str, np.ndarray]]

_REMEDY = 'restore it from a copy, or compress the model again'
_LEVELS = 256


def is_compact(path: str) -> bool:
    """Whether the run directory ``path`` keeps its parameters in a compact file."""
    return os.path.isfile(os.path.join(path, COMPACT_PARAMS))


def _gaps_dtype(gaps: np.ndarray):
    top = int(gaps.max()) if gaps.size else 0
    return next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if top <= np.iinfo(t).max)


def _codebook(values: np.ndarray, iterations: int = 12,
              sample: int = 1 << 18) -> Tuple[np.ndarray, np.ndarray]:
    """256 levels fitted to ``values`` and each value's code.

    1-D k-means (Lloyd's iterations from the quantiles), fitted on at most
    ``sample`` evenly spaced values; every value then gets its nearest level.
    """
    flat = values.ravel().astype(np.float64)
    fit = flat[::max(1, len(flat) // sample)]
    levels = np.unique(np.quantile(fit, np.linspace(0, 1, _LEVELS))) if fit.size else np.zeros(1)
    for _ in range(iterations):
        codes = _nearest(fit, levels)
        sums = np.bincount(codes, fit, minlength=len(levels))
        counts = np.bincount(codes, minlength=len(levels))
        levels = np.unique(np.where(counts > 0, sums / np.maximum(counts, 1), levels))
    return levels.astype(np.float32), _nearest(flat, levels).astype(np.uint8).reshape(values.shape)


def _nearest(flat: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Index of the nearest of the sorted ``levels`` for each value."""
    if len(levels) == 1:
        return np.zeros(len(flat), np.int64)
    cut = np.searchsorted((levels[1:] + levels[:-1]) / 2, flat)
    return cut.astype(np.int64)


def _encode_values(values: np.ndarray, encoding: str) -> Dict[str, np.ndarray]:
    if encoding == 'float32':
        return {'values': values.astype(np.float32)}
    if encoding == 'float16':
        return {'values': values.astype(np.float16)}
    if encoding == 'int8-rows':
        scale = np.abs(values).max(axis=1) / 127 if values.size else np.zeros(len(values))
        q = np.round(values / np.where(scale > 0, scale, 1)[:, None])
        return {'values': np.clip(q, -127, 127).astype(np.int8), 'scale': scale.astype(np.float32)}
    if encoding == 'codebook':
        levels, codes = _codebook(values)
        return {'values': codes, 'levels': levels}
    raise ValueError(f'unknown encoding {encoding!r}; choose one of {", ".join(ENCODINGS)}')


def pack(array: np.ndarray, encoding: str = 'float32', rows: Optional[np.ndarray] = None,
         centered: bool = False) -> Packed:
    """One parameter in compact form.

    Parameters
    ----------
    array : numpy.ndarray
        The float32 values.
    encoding : str, default 'float32'
        One of :data:`ENCODINGS`; ``int8-rows`` and ``codebook`` need a 2-D array.
    rows : numpy.ndarray, optional
        For a 2-D table: the ids of the rows to keep (the others read back as
        zeros). Default: every row.
    centered : bool, default False
        For a 2-D table whose rows sum to zero: leave out the last column.

    Returns
    -------
    Packed
        ``(spec, arrays)`` for :func:`write_compact`.
    """
    array = np.asarray(array, dtype=np.float32)
    if encoding in ('int8-rows', 'codebook') or rows is not None or centered:
        if array.ndim != 2:
            raise ValueError(f'{encoding}, rows and centered need a 2-D table, not shape '
                             f'{array.shape}')
    spec = {'shape': list(array.shape), 'encoding': encoding, 'centered': bool(centered),
            'rows': None}
    arrays = {}
    values = array
    if rows is not None:
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        gaps = np.diff(rows, prepend=-1) - 1
        arrays['gaps'] = gaps.astype(_gaps_dtype(gaps))
        spec['rows'] = len(rows)
        values = values[rows]
    if centered:
        values = values[:, :-1]
    arrays.update(_encode_values(values, encoding))
    return spec, arrays


def unpack(spec: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> np.ndarray:
    """The float32 values of a parameter packed by :func:`pack`."""
    encoding = spec['encoding']
    stored = arrays['values']
    if encoding == 'int8-rows':
        values = stored.astype(np.float32) * arrays['scale'].astype(np.float32)[:, None]
    elif encoding == 'codebook':
        values = arrays['levels'].astype(np.float32)[stored]
    elif encoding in ('float32', 'float16'):
        values = stored.astype(np.float32)
    else:
        raise ValueError(f'unknown encoding {encoding!r}')
    if spec.get('centered'):
        values = np.concatenate([values, -values.sum(axis=1, keepdims=True)], axis=1)
    shape = tuple(spec['shape'])
    if spec.get('rows') is None:
        return values.reshape(shape)
    rows = np.cumsum(arrays['gaps'].astype(np.int64) + 1) - 1
    full = np.zeros(shape, dtype=np.float32)
    full[rows] = values
    return full


def _archive(params: Dict[str, Packed]) -> Dict[str, np.ndarray]:
    """The arrays of the ``.npz``: ``spec`` (JSON bytes) and ``p<i>.<array>`` per parameter."""
    spec = {'format': COMPACT_FORMAT, 'params': []}
    arrays = {}
    for i, (name, (entry, parts)) in enumerate(sorted(params.items())):
        spec['params'].append({'name': name, **entry})
        arrays.update({f'p{i}.{key}': value for key, value in parts.items()})
    arrays['spec'] = np.frombuffer(json.dumps(spec).encode('utf-8'), dtype=np.uint8)
    return arrays


def packed_bytes(params: Dict[str, Packed]) -> int:
    """Size in bytes of the compact file :func:`write_compact` would write for ``params``."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **_archive(params))
    return buffer.tell()


def write_compact(path: str, params: Dict[str, Packed]) -> str:
    """Write ``params`` (name -> :func:`pack` result) to ``path`` atomically; its SHA-256."""
    arrays = _archive(params)

    def write(tmp: str) -> None:
        with open(tmp, 'wb') as f:
            np.savez_compressed(f, **arrays)
    return write_checked(path, write)


def read_compact(path: str, remedy: str = _REMEDY) -> Dict[str, np.ndarray]:
    """The float32 parameters (name -> array) of the compact file ``path``.

    Raises
    ------
    RunDirError
        ``PATH: missing``, or ``PATH: damaged ...`` when it is not a complete
        compact file of this format, then ``remedy``.
    """
    if not os.path.isfile(path):
        raise RunDirError(f'{path}: missing; {remedy}')
    try:
        with np.load(path, allow_pickle=False) as archive:
            spec = json.loads(archive['spec'].tobytes().decode('utf-8'))
            if not isinstance(spec, dict) or spec.get('format') != COMPACT_FORMAT:
                raise ValueError(f'not a {COMPACT_FORMAT} file')
            params = {}
            for i, entry in enumerate(spec['params']):
                prefix = f'p{i}.'
                arrays = {key[len(prefix):]: archive[key] for key in archive.files
                          if key.startswith(prefix)}
                params[entry['name']] = unpack(entry, arrays)
            return params
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError,
            zipfile.BadZipFile, UnicodeDecodeError) as err:
        raise RunDirError(f'{path}: damaged: not a complete compact parameter file '
                          f'({summarize_error(err, 80)}); {remedy}') from None


def load_compact(net: mx.gluon.Block, path: str, ctx: Optional[mx.Context] = None) -> None:
    """Load the compact parameters of the run directory ``path`` into the freshly built ``net``.

    The file is checked against the SHA-256 the run's ``metrics.json`` records.

    Raises
    ------
    RunDirError
        If the file is missing, damaged or does not fit ``net``.
    """
    file = os.path.join(path, COMPACT_PARAMS)
    verify_checksum(file, run_checksum(path, COMPACT_PARAMS), 'parameters', _REMEDY)
    params = read_compact(file)
    ctx = ctx or mx.cpu()
    try:
        net.collect_params().load_dict({name: mx.nd.array(value, ctx=ctx)
                                        for name, value in params.items()},
                                       ctx=ctx, restore_prefix=net.prefix)
    except (mx.MXNetError, AssertionError, ValueError, KeyError, TypeError) as err:
        raise RunDirError(f'{file}: does not fit the model in {CONFIG} (made by a different '
                          f'model: {summarize_error(err)}); {_REMEDY}') from None
