"""Prediction on new texts, and loading a trained run for it.

::

    clf = load_model('runs/multikernel')
    clf.predict_proba(['the movie was awesome. Loved it'])   # [[P(neg), P(pos)]]
    clf.predict(['dull and far too long'])                     # [0]
"""
import os
from typing import Iterable, List, Optional, Sequence, Union

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import gluon

from . import bundle, rundir
from .data.text import tokenize
from .data.vocab import encode_batch
from .engine import predict_logits, softmax
from .errors import RunDirError
from .model import get_model, list_models

__all__ = ['SentimentClassifier', 'load_model', 'LABELS']

#: label index -> name
LABELS = ('negative', 'positive')


class SentimentClassifier:
    """A trained network with the vocabulary and input length it was trained with.

    Parameters
    ----------
    net : mxnet.gluon.Block
        Initialized network mapping ``(batch, seq_len)`` indices to 2 scores.
    vocab : gluonnlp.Vocab
        The training vocabulary.
    seq_len : int
        Tokens per text after truncation and padding.
    ctx : mxnet.Context or list of Context, optional
        Where ``net`` lives (default CPU).
    batch_size : int, default 256
        Texts per forward pass.
    truncate : {'post', 'pre'}, default 'post'
        Which end of a longer text is cut, as in training.
    name : str, optional
        Registry name of the model (``'multikernel'``), for reports.
    """

    def __init__(self, net: gluon.Block, vocab: nlp.Vocab, seq_len: int,
                 ctx: Union[mx.Context, Sequence[mx.Context], None] = None, batch_size: int = 256,
                 truncate: str = 'post', name: Optional[str] = None):
        self.net = net
        self.name = name
        self.truncate = truncate
        self.vocab = vocab
        self.seq_len = seq_len
        if ctx is None:
            ctx = [mx.cpu()]
        self.ctx = list(ctx) if isinstance(ctx, (list, tuple)) else [ctx]
        self.batch_size = batch_size

    def encode(self, texts: Iterable[str]) -> np.ndarray:
        """Token indices ``(n, seq_len)`` for raw texts."""
        return self._encode(texts)[0]

    def _encode(self, texts):
        return encode_batch((tokenize(text) for text in _as_list(texts)), self.vocab,
                            self.seq_len, self.truncate)

    def predict_proba(self, texts: Union[str, Iterable[str]]) -> np.ndarray:
        """Class probabilities ``(n, 2)``: ``[P(negative), P(positive)]`` per text.

        A text with no known word (or no word at all) still gets a valid
        prediction: its tokens map to ``<unk>`` and ``<pad>``.
        """
        X, lengths = self._encode(texts)
        margin = getattr(self.net, 'length_margin', None)
        logits = predict_logits(self.net, X, self.ctx, self.batch_size,
                                None if margin is None else lengths, margin or 0)
        return softmax(logits.astype(np.float64))

    def predict(self, texts: Union[str, Iterable[str]]) -> np.ndarray:
        """Labels ``(n,)``: 1 positive, 0 negative."""
        return self.predict_proba(texts).argmax(axis=1)


def _as_list(texts: Union[str, Iterable[str]]) -> List[str]:
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f'expected texts as str, got {type(text).__name__}')
    return texts


def load_model(path: str, ctx: Optional[mx.Context] = None, params: str = rundir.BEST_PARAMS,
               hybridize: bool = True, symbolic: bool = False) -> SentimentClassifier:
    """Load the classifier of a training run, of an exported bundle or of an ensemble.

    An ensemble folder (``python -m gluon_sentiment.ensemble``) gives an
    :class:`~gluon_sentiment.ensemble.EnsembleClassifier`, which predicts
    like a single classifier.

    Parameters
    ----------
    path : str
        A run directory (the ``--output-dir`` of ``gluon_sentiment.train``),
        a bundle (the ``--out`` of ``gluon_sentiment.export``) or an
        ensemble (the ``--out`` of ``gluon_sentiment.ensemble``).
    ctx : Context, optional
        Device to load onto (default CPU).
    params : str, default 'best.params'
        Parameter file inside a run, e.g. ``epoch-0002.params`` (not used
        for a bundle, which holds one set).
    hybridize : bool, default True
        Hybridize the network.
    symbolic : bool, default False
        For a bundle: run its exported graph as a ``SymbolBlock`` instead of
        rebuilding the registered Gluon model (explanations need the Gluon
        model). A bundle whose model is not registered here always loads
        as a ``SymbolBlock``.

    Raises
    ------
    RunDirError
        If ``path`` is not a complete run or bundle.
    """
    from . import ensemble  # imports this module
    if ensemble.is_ensemble(path):
        return ensemble.load_ensemble(path, ctx)
    config = rundir.read_config(path)  # a bundle keeps its run's config.json
    vocab = rundir.load_vocab(os.path.join(path, rundir.VOCAB))
    kwargs = dict(config['model_kwargs'])
    if kwargs.get('vocab_size') != len(vocab):
        raise RunDirError(f'{path}: config says vocab_size {kwargs.get("vocab_size")} but '
                          f'{rundir.VOCAB} holds {len(vocab)} tokens')
    ctx = ctx or mx.cpu()
    if bundle.is_bundle(path):
        if symbolic or config['model'] not in list_models():
            net = bundle.load_symbol_block(path, ctx)
        else:
            net = get_model(config['model'], **kwargs)
            bundle.load_params_into(net, path, ctx)
    else:
        net = get_model(config['model'], **kwargs)
        params_path = os.path.join(path, params)
        if not os.path.isfile(params_path):
            raise RunDirError(f'{params_path}: missing; the run has not finished an epoch')
        try:
            net.load_parameters(params_path, ctx=ctx)
        except (mx.MXNetError, AssertionError, ValueError) as err:
            raise RunDirError(f'{params_path}: does not fit the model in {rundir.CONFIG} '
                              f'({str(err).splitlines()[0]})') from None
    if hybridize:
        net.hybridize(static_alloc=True)
    return SentimentClassifier(net, vocab, config['seq_len'], ctx,
                               truncate=config.get('truncate', 'post'), name=config['model'])
