"""Pretrained vectors aligned to a vocabulary, and put into a network's embedding.

:func:`embedding_matrix` gives the rows of a vocabulary built by
:func:`gluon_sentiment.data.build_vocab`: ``<unk>`` at 0, ``<pad>`` at 1
(always zeros), words from 2. The tokenizer's ``\\?``, ``\\(`` and ``\\)``
tokens (a quirk of Kim's regex) are looked up as ``?``, ``(`` and ``)``.
Words the vectors lack, and ``<unk>``, get zeros (``oov='zeros'``, as the
MXNet tutorial) or small uniform noise in [-0.25, 0.25] (``oov='random'``,
as Kim 2014). :func:`attach_pretrained` puts the rows into a network.
"""
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import gluon

from ..errors import ConfigError
from ..model.base import SentimentNet

__all__ = ['OOV_POLICIES', 'EmbeddingMatrix', 'embedding_matrix', 'rescale_matrix',
           'set_embedding_weights', 'attach_pretrained']

log = logging.getLogger(__name__)

#: policies for words the vectors lack
OOV_POLICIES = ('zeros', 'random')
_RANDOM_SCALE = 0.25  # Kim (2014): U[-0.25, 0.25], about the variance of word2vec's vectors

# Kim's clean_str writes these with a backslash; GloVe has the bare characters.
_LOOKUP_ALIASES = {'\\?': '?', '\\(': '(', '\\)': ')'}

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
        The embedding block to fill; required unless ``net`` is a
        :class:`~gluon_sentiment.model.SentimentNet`, whose declared
        ``embedding`` is the default. A ``SentimentNet`` with a static
        channel (``embedding_static`` not ``None``, as
        :class:`~gluon_sentiment.model.MultiKernelConvNet` with
        ``multichannel``) gets the vectors there too, and that channel is
        always frozen.

    Raises
    ------
    ConfigError
        If the network is not initialized or its embedding has another shape.
    """
    if embedding is not None:
        targets = [(embedding, 'embedding', freeze)]
    elif isinstance(net, SentimentNet):
        targets = [(net.embedding, 'embedding', freeze)]
        if net.embedding_static is not None:
            targets.append((net.embedding_static, 'embedding_static', True))
    else:
        raise ConfigError(f'{type(net).__name__} is not a SentimentNet: no `embedding` child '
                          'is declared; pass the embedding block as embedding=')
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
        An initialized :class:`~gluon_sentiment.model.SentimentNet` (or any
        network, passing ``embedding``), indexed by ``vocab``.
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
