"""Sentiment classifiers: embedding, then an encoder (``features``), then a head (``output``).

All three networks share :class:`SentimentNet`, which owns the embedding and
the head; they differ only in the encoder. To try another encoder, subclass
one of them and replace ``features`` inside ``name_scope()``, or subclass
:class:`SentimentNet` directly::

    class MyNet(SentimentNet):
        def __init__(self, vocab_size, embed_size=50, **kwargs):
            super().__init__(vocab_size, embed_size, **kwargs)
            with self.name_scope():
                self.features = MyEncoder()

Inputs are batch-major token indices ``(batch, seq_len)``; outputs are
unnormalized scores ``(batch, num_classes)``, class 1 being positive.
"""
from mxnet.gluon import HybridBlock, nn

from .encoders import ConvEncoder, FlattenDenseEncoder, MultiKernelConvEncoder

__all__ = ['SentimentNet', 'DenseNet', 'ConvNet', 'MultiKernelConvNet']


class SentimentNet(HybridBlock):
    """Embedding -> ``features`` -> ``output``, the common frame of every classifier.

    Subclasses set ``self.features``, a block mapping
    ``(batch, seq_len, embed_size)`` to ``(batch, dim)``.

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

    Attributes
    ----------
    embedding : mxnet.gluon.nn.Embedding
        Word vectors, ``(vocab_size, embed_size)``.
    embed_dropout : mxnet.gluon.nn.Dropout or None
        Dropout applied by :meth:`embed`; ``None`` when ``embed_dropout`` is 0.
    features : mxnet.gluon.HybridBlock
        The encoder.
    output : mxnet.gluon.nn.HybridSequential
        Dropout (if any) and a dense layer to ``num_classes`` scores.
    length_margin : int or None
        ``None`` if the network needs inputs of exactly the ``seq_len`` it
        was built for. An int ``m`` if inputs may be cut to their longest
        example plus ``m`` padding positions without changing any output;
        the engine then batches by length and cuts the padding.
    """

    length_margin = None

    def __init__(self, vocab_size: int, embed_size: int = 50, num_classes: int = 2,
                 dropout: float = 0.0, embed_dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
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
    def embed_size(self) -> int:
        """Width of the word vectors."""
        return self._embed_size

    def init_from_data(self, X, y) -> None:  # pylint: disable=unused-argument
        """Data-dependent initialization, called once by the trainer before the first step.

        ``X`` and ``y`` are the training split's token indices and labels.
        Nothing here; :class:`~gluon_sentiment.model.ngram.NgramNet` sets its
        naive-Bayes weights.
        """

    def embed(self, inputs):
        """Word vectors ``(batch, seq_len, embed_size)`` of token indices, after ``embed_dropout``."""
        x = self.embedding(inputs)
        return x if self.embed_dropout is None else self.embed_dropout(x)

    def hybrid_forward(self, F, inputs):  # pylint: disable=arguments-differ
        """Scores ``(batch, num_classes)`` for token indices ``(batch, seq_len)``."""
        return self.output(self.features(self.embed(inputs)))


class DenseNet(SentimentNet):
    """The tutorial's dense network: embedding, flatten, dense + ReLU, dense.

    Parameters
    ----------
    vocab_size : int
        Rows of the embedding.
    seq_len : int, default 500
        Fixed input length (the dense layer sees all positions).
    embed_size : int, default 50
        Width of the embedding.
    hidden_size : int, default 500
        Units of the hidden dense layer.
    dropout : float, default 0.0
        Dropout before the output layer.
    num_classes : int, default 2
        Output classes.
    embed_dropout : float, default 0.0
        Dropout on the embedded tokens (see :class:`SentimentNet`).
    """

    def __init__(self, vocab_size: int, seq_len: int = 500, embed_size: int = 50,
                 hidden_size: int = 500, dropout: float = 0.0, num_classes: int = 2,
                 embed_dropout: float = 0.0, **kwargs):
        super().__init__(vocab_size, embed_size, num_classes, dropout, embed_dropout, **kwargs)
        self._seq_len = seq_len
        with self.name_scope():
            self.features = FlattenDenseEncoder(hidden_size)


class ConvNet(SentimentNet):
    """The tutorial's convolutional network: one 5-word convolution, flattened, dense.

    Parameters
    ----------
    vocab_size : int
        Rows of the embedding.
    seq_len : int, default 500
        Fixed input length (all conv positions feed the output layer).
    embed_size : int, default 50
        Width of the embedding.
    num_filters : int, default 100
        Convolution filters.
    kernel_size : int, default 5
        Words per window.
    dropout : float, default 0.0
        Dropout before the output layer.
    num_classes : int, default 2
        Output classes.
    embed_dropout : float, default 0.0
        Dropout on the embedded tokens (see :class:`SentimentNet`).
    """

    def __init__(self, vocab_size: int, seq_len: int = 500, embed_size: int = 50,
                 num_filters: int = 100, kernel_size: int = 5, dropout: float = 0.0,
                 num_classes: int = 2, embed_dropout: float = 0.0, **kwargs):
        super().__init__(vocab_size, embed_size, num_classes, dropout, embed_dropout, **kwargs)
        self._seq_len = seq_len
        with self.name_scope():
            self.features = ConvEncoder(num_filters, kernel_size)


class MultiKernelConvNet(SentimentNet):
    """Kim's CNN: convolutions of widths 3, 4, 5 with max-over-time pooling.

    Kim (2014), *Convolutional Neural Networks for Sentence Classification*.
    Accepts any ``seq_len >= max(kernel_sizes)``, so batches may have
    different lengths (bucketing).

    Parameters
    ----------
    vocab_size : int
        Rows of the embedding.
    embed_size : int, default 50
        Width of the embedding.
    kernel_sizes : sequence of int, default (3, 4, 5)
        Filter widths, one branch each.
    num_filters : int, default 100
        Filters per width.
    dropout : float, default 0.5
        Dropout on the pooled features, before the output layer.
    num_classes : int, default 2
        Output classes.
    multichannel : bool, default False
        Kim's CNN-multichannel: a second, static embedding
        ``embedding_static`` (``grad_req='null'``) beside the fine-tuned
        ``embedding``, both meant to start from the same pretrained vectors
        (:func:`gluon_sentiment.pretrained.attach_pretrained`). Their outputs
        are concatenated along the feature axis before the convolutions,
        which is Kim's sum of each filter over the two channels.
    embed_dropout : float, default 0.0
        Dropout on the embedded tokens (see :class:`SentimentNet`); with
        ``multichannel``, on the fine-tuned channel only.
    """

    def __init__(self, vocab_size: int, embed_size: int = 50, kernel_sizes=(3, 4, 5),
                 num_filters: int = 100, dropout: float = 0.5, num_classes: int = 2,
                 multichannel: bool = False, embed_dropout: float = 0.0, **kwargs):
        super().__init__(vocab_size, embed_size, num_classes, dropout, embed_dropout, **kwargs)
        self._multichannel = multichannel
        # windows straddling the end, plus one all-padding window, survive the cut
        self.length_margin = max(kernel_sizes)
        with self.name_scope():
            if multichannel:
                self.embedding_static = nn.Embedding(vocab_size, embed_size)
                self.embedding_static.weight.grad_req = 'null'
            self.features = MultiKernelConvEncoder(kernel_sizes, num_filters)

    def hybrid_forward(self, F, inputs):  # pylint: disable=arguments-differ
        """Scores ``(batch, num_classes)`` for token indices ``(batch, seq_len)``."""
        x = self.embed(inputs)
        if self._multichannel:
            x = F.concat(x, self.embedding_static(inputs), dim=2)
        return self.output(self.features(x))
