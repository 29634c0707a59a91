"""Sentiment classifiers: embedding, then an encoder (``features``), then a head (``output``).

All three networks share :class:`~gluon_sentiment.model.base.SentimentNet`,
which owns the embedding and the head and states the model contract; they
differ only in the encoder. To try another encoder, subclass
:class:`SentimentNet`, declare what the model offers and register it::

    @register_model('mean')
    class MeanNet(SentimentNet):
        length_margin = None          # fixed length: the constructor takes seq_len

        def __init__(self, vocab_size, seq_len=500, embed_size=50, **kwargs):
            super().__init__(vocab_size, embed_size, **kwargs)
            with self.name_scope():
                self.features = MyEncoder()

Inputs are batch-major token indices ``(batch, seq_len)``; outputs are
unnormalized scores ``(batch, num_classes)``, class 1 being positive.
"""
from typing import Optional

from mxnet.gluon import nn

from .base import SentimentNet
from .encoders import ConvEncoder, FlattenDenseEncoder, MultiKernelConvEncoder
from .registry import register_model

__all__ = ['DenseNet', 'ConvNet', 'MultiKernelConvNet']


@register_model('dense')
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
        Output classes (passed to :class:`SentimentNet`, as are ``embed_dropout``
        and ``padding_index``).
    embed_dropout : float, default 0.0
        Dropout on the embedded tokens (see :class:`SentimentNet`).
    """

    def __init__(self, vocab_size: int, seq_len: int = 500, embed_size: int = 50,
                 hidden_size: int = 500, dropout: float = 0.0, **kwargs):
        super().__init__(vocab_size, embed_size, dropout=dropout, **kwargs)
        self._seq_len = seq_len
        with self.name_scope():
            self.features = FlattenDenseEncoder(hidden_size)


@register_model('conv')
class ConvNet(SentimentNet):
    """The tutorial's convolutional network: one 5-word convolution, flattened, dense.

    The tutorial's listing has no activation between the convolution and the
    flatten (``activation=None``, ``--preset tutorial-conv``); the default
    puts a ReLU there.

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
    activation : str or None, default 'relu'
        Activation after the convolution; ``None``: none, as in the tutorial.
    num_classes : int, default 2
        Output classes (passed to :class:`SentimentNet`, as are ``embed_dropout``
        and ``padding_index``).
    embed_dropout : float, default 0.0
        Dropout on the embedded tokens (see :class:`SentimentNet`).
    """

    def __init__(self, vocab_size: int, seq_len: int = 500, embed_size: int = 50,
                 num_filters: int = 100, kernel_size: int = 5, dropout: float = 0.0,
                 activation: Optional[str] = 'relu', **kwargs):
        super().__init__(vocab_size, embed_size, dropout=dropout, **kwargs)
        self._seq_len = seq_len
        with self.name_scope():
            self.features = ConvEncoder(num_filters, kernel_size, activation)


@register_model('multikernel')
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
        Output classes (passed to :class:`SentimentNet`, as are ``embed_dropout``
        and ``padding_index``).
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

    #: windows straddling the end, plus one all-padding window, survive the cut; the
    #: constructor sets ``max(kernel_sizes)``
    length_margin = 5
    supports_multichannel = True

    def __init__(self, vocab_size: int, embed_size: int = 50, kernel_sizes=(3, 4, 5),
                 num_filters: int = 100, dropout: float = 0.5, multichannel: bool = False,
                 **kwargs):
        super().__init__(vocab_size, embed_size, dropout=dropout, **kwargs)
        self._multichannel = multichannel
        self.length_margin = max(kernel_sizes)
        with self.name_scope():
            if multichannel:
                self.embedding_static = nn.Embedding(vocab_size, embed_size)
                self.embedding_static.weight.grad_req = 'null'
            self.features = MultiKernelConvEncoder(kernel_sizes, num_filters)

    def classify(self, F, embedded, inputs):
        """Scores from the fine-tuned channel's vectors (the static channel joins here)."""
        if self._multichannel:
            embedded = F.concat(embedded, self.embedding_static(inputs), dim=2)
        return self.output(self.features(embedded))
