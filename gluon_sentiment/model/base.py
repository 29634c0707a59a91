"""The model contract: :class:`SentimentNet`, the frame every classifier of this package shares.

A model is an embedding, then an encoder (``features``), then a head
(``output``). What a model offers beyond that frame is *declared* on its
class and documented here, so that the trainer, the exporter, the explainer
and inference read the declaration and never inspect signatures or probe
attributes:

``length_margin``
    ``None``: fixed-length inputs (the constructor takes ``seq_len``); an
    int ``m``: inputs may be cut to the batch's longest text plus ``m``.
``accepts_pretrained``
    Whether pretrained word vectors may fill ``embedding``.
``supports_multichannel``
    Whether the constructor takes ``multichannel`` (Kim's second, static
    embedding channel).
``supports_embed_dropout``
    Whether the constructor takes ``embed_dropout``.
``init_from_data(X, y)``
    Data-dependent initialization, once before training (a no-op here).
``embedding``, ``embedding_static``, ``features``, ``output_layer``
    The word vectors, the static channel (``None`` when absent), the
    encoder and the final dense layer.
``embed(inputs)``, ``classify(F, embedded, inputs)``
    The forward pass split at the word vectors (for gradient x input).
``training_block(hybridize)``, ``training_inputs(X)``
    What a training step calls, on which arrays of the batch's token
    indices: the network itself on ``(X,)`` here. A model may train through
    another block over the same parameters, on inputs prepared in numpy
    (the n-gram model hashes its n-grams there); inference, export and
    evaluation always call the network on token indices.

:func:`gluon_sentiment.model.register_model` checks the declarations when a
class is registered.
"""
from typing import Optional, Tuple

import numpy as np
from mxnet.gluon import HybridBlock, nn

__all__ = ['SentimentNet']


class SentimentNet(HybridBlock):
    """Embedding -> ``features`` -> ``output``, the common frame and contract of every classifier.

    Subclasses set ``self.features`` inside ``name_scope()``: a block
    mapping ``(batch, seq_len, embed_size)`` to ``(batch, dim)``. They
    declare what they offer with the class attributes below; the defaults
    describe a fixed-length, single-channel model that takes pretrained
    vectors.

    Parameters
    ----------
    vocab_size : int
        Rows of the embedding, including ``<unk>`` and ``<pad>``.
    embed_size : int, default 50
        Width of the embedding.
    num_classes : int, default 2
        Output classes.
    dropout : float, default 0.0
        Dropout before the output layer.
    embed_dropout : float, default 0.0
        Dropout on the embedded tokens, before the encoder (training only).
    padding_index : int, default 1
        Token id of ``<pad>`` (see :mod:`gluon_sentiment.data.vocab`); models
        that mask padding (recurrent, n-gram) count valid lengths from it.

    Subclasses take their own hyperparameters and pass the arguments above
    that they do not set themselves through ``**kwargs``;
    :func:`~gluon_sentiment.model.get_model` accepts the named arguments of
    every constructor up the chain.

    Attributes
    ----------
    length_margin : int or None
        Class attribute. ``None`` (the default) if the network needs inputs
        of exactly the ``seq_len`` it was built for; its constructor then
        takes ``seq_len``, and :func:`~gluon_sentiment.model.get_model`
        passes it. An int ``m`` if inputs may be cut to their longest
        example plus ``m`` padding positions without changing any output;
        the engine then batches by length and cuts the padding, and
        ``seq_len`` is not passed. An instance may refine the int in its
        constructor when it depends on hyperparameters (the widest kernel),
        but never turn ``None`` into an int or back.
    accepts_pretrained : bool
        Class attribute, default True: ``embedding`` holds one row per
        vocabulary word, so ``--embedding`` vectors may fill it.
    supports_multichannel : bool
        Class attribute, default False: True if the constructor takes
        ``multichannel`` (a second, static ``embedding_static`` channel).
    supports_embed_dropout : bool
        Class attribute, default True: the model takes ``embed_dropout``
        (dropout on the embedded tokens); False where the encoder reads the
        embedding its own way (recurrent and n-gram models).
    embedding : mxnet.gluon.nn.Embedding
        Word vectors, ``(vocab_size, embed_size)``.
    embedding_static : mxnet.gluon.nn.Embedding or None
        The static channel (``grad_req='null'``) that receives the same
        pretrained vectors as ``embedding``; ``None`` when absent.
    embed_dropout : mxnet.gluon.nn.Dropout or None
        Dropout applied by :meth:`embed`; ``None`` when ``embed_dropout`` is 0.
    features : mxnet.gluon.HybridBlock
        The encoder.
    output : mxnet.gluon.nn.HybridSequential
        Dropout (if any) and a dense layer to ``num_classes`` scores; see
        :attr:`output_layer`.
    """

    length_margin: Optional[int] = None
    accepts_pretrained = True
    supports_multichannel = False
    supports_embed_dropout = True
    embedding_static: Optional[HybridBlock] = None
    features: Optional[HybridBlock] = None

    def __init__(self, vocab_size: int, embed_size: int = 50, num_classes: int = 2,
                 dropout: float = 0.0, embed_dropout: float = 0.0, padding_index: int = 1,
                 **kwargs):
        super().__init__(**kwargs)
        self._padding_index = padding_index
        self._vocab_size = vocab_size
        self._embed_size = embed_size
        self._num_classes = num_classes
        self._dropout = dropout
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.embed_dropout = nn.Dropout(embed_dropout) if embed_dropout else None
            self.output = nn.HybridSequential()
            if dropout:
                self.output.add(nn.Dropout(dropout))
            self.output.add(nn.Dense(num_classes))

    @property
    def padding_index(self) -> int:
        """The token id of ``<pad>`` (1 in every vocabulary of :mod:`gluon_sentiment.data.vocab`)."""
        return self._padding_index

    @property
    def embed_size(self) -> int:
        """Width of the word vectors."""
        return self._embed_size

    @property
    def output_layer(self) -> nn.Dense:
        """The final dense layer of ``output`` (the dropout before it is off at inference)."""
        return self.output[len(self.output) - 1]

    def init_from_data(self, X, y) -> None:  # pylint: disable=unused-argument
        """Data-dependent initialization, called once by the trainer before the first step.

        ``X`` and ``y`` are the training split's token indices and labels.
        Nothing here; :class:`~gluon_sentiment.model.ngram.NgramNet` sets its
        naive-Bayes weights.
        """

    def training_block(self, hybridize: bool = True) -> HybridBlock:  # pylint: disable=unused-argument
        """The block a training step calls on :meth:`training_inputs`: the network itself.

        ``hybridize`` says whether the network was hybridized (a block made
        here is hybridized likewise). A subclass may return another block
        sharing this network's parameters (as its child), whose outputs are
        the network's scores of the same texts, and whose own
        ``training_inputs`` prepares its arrays.
        """
        return self

    def training_inputs(self, X: np.ndarray) -> Tuple[np.ndarray, ...]:
        """The arrays a training step feeds :meth:`training_block` for token indices ``X``.

        ``X`` is the batch ``(batch, width)`` as cut for the step; here ``(X,)``.
        """
        return (X,)

    def embed(self, inputs):
        """Word vectors ``(batch, seq_len, embed_size)`` of token indices, after ``embed_dropout``."""
        x = self.embedding(inputs)
        return x if self.embed_dropout is None else self.embed_dropout(x)

    def classify(self, F, embedded, inputs):  # pylint: disable=unused-argument
        """Scores ``(batch, num_classes)`` from :meth:`embed`'s word vectors.

        The rest of the forward pass after the word vectors, so that
        gradient x input (:mod:`gluon_sentiment.analysis.explain`) works for
        any model. ``inputs`` are the token indices, for models that also
        read them (valid lengths, the static channel).
        """
        return self.output(self.features(embedded))

    def hybrid_forward(self, F, inputs):  # pylint: disable=arguments-differ
        """Scores ``(batch, num_classes)`` for token indices ``(batch, seq_len)``."""
        return self.classify(F, self.embed(inputs), inputs)
