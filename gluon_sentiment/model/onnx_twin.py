"""An ONNX-exportable twin of a trained convolutional network.

MXNet 1.9's exporter (``mxnet.onnx.export_model``) rejects ``Conv1D``
(layout NCW), and a max over one axis (``F.max``) becomes a ``ReduceMax``
that the ONNX checker rejects. The networks train with ``Conv1D`` because it
is faster on CPU, so the ONNX file is made from an export-time equivalent
network: each ``Conv1D`` weight ``(F, E, k)`` becomes a ``Conv2D`` weight
``(F, 1, k, E)`` over the embedded text seen as a one-channel image
``(N, 1, T, E)``, and max-over-time becomes a global max ``Pooling``.
:mod:`gluon_sentiment.deploy.onnx` checks the twin against the trained
network before it exports it.
"""
from typing import Optional, Sequence

import mxnet as mx
from mxnet.gluon import HybridBlock, nn

from ..errors import ExportError
from .base import SentimentNet
from .encoders import ConvEncoder, FlattenDenseEncoder, MultiKernelConvEncoder

__all__ = ['onnx_equivalent']


class _Conv2DEncoderNet(HybridBlock):
    """ONNX-exportable twin of a convolutional :class:`~gluon_sentiment.model.SentimentNet`.

    The embedded text ``(N, T, E)`` is seen as a one-channel image
    ``(N, 1, T, E)``; a ``Conv2D`` with kernel ``(k, E)`` gives
    ``(N, F, T - k + 1, 1)``, the same numbers as ``Conv1D`` of width ``k``.

    Parameters
    ----------
    vocab_size, embed_size, num_classes : int
        As in the trained network.
    kernel_sizes : sequence of int
        Width of each convolution.
    num_filters : int
        Filters per convolution.
    pool : bool
        True: global max pooling per branch, concatenation, then
        ``activation`` (Kim's CNN). False: ``activation`` on the single
        convolution and flatten (the tutorial's ConvNet).
    activation : str or None
        Activation type; ``None``: none (the tutorial's ConvNet).
    """

    def __init__(self, vocab_size: int, embed_size: int, kernel_sizes: Sequence[int],
                 num_filters: int, pool: bool, activation: Optional[str] = 'relu',
                 num_classes: int = 2, **kwargs):
        super().__init__(**kwargs)
        self._pool = pool
        self._activation = activation
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.convs = nn.HybridSequential()  # a container only; branches run in parallel
            for width in kernel_sizes:
                self.convs.add(nn.Conv2D(num_filters, (width, embed_size)))
            self.output = nn.Dense(num_classes)

    def hybrid_forward(self, F, inputs):  # pylint: disable=arguments-differ
        x = F.expand_dims(self.embedding(inputs), axis=1)  # (N, 1, T, E)
        if not self._pool:
            features = self.convs[0](x)
            if self._activation is not None:
                features = F.Activation(features, self._activation)
            return self.output(F.flatten(features))
        pooled = [F.flatten(F.Pooling(conv(x), kernel=(1, 1), global_pool=True, pool_type='max'))
                  for conv in self.convs]
        return self.output(F.Activation(F.concat(*pooled, dim=1), self._activation))


def _copy(src, dst) -> None:
    dst.set_data(src.data().as_in_context(mx.cpu()))


def onnx_equivalent(net: SentimentNet) -> HybridBlock:
    """A network computing what ``net`` computes (at inference) that MXNet exports to ONNX.

    Parameters
    ----------
    net : SentimentNet
        A trained, initialized network.

    Returns
    -------
    HybridBlock
        ``net`` itself when its graph exports as it is (the dense network),
        else a :class:`_Conv2DEncoderNet` holding ``net``'s parameters
        rearranged for ``Conv2D``.

    Raises
    ------
    ExportError
        For an encoder this module does not know (the message names it), or
        a static embedding channel.
    """
    features = net.features
    if isinstance(features, FlattenDenseEncoder):
        return net
    if net.embedding_static is not None:
        raise ExportError(f'{type(net).__name__} with a static channel (multichannel): '
                          'not supported for ONNX export')
    if isinstance(features, MultiKernelConvEncoder):
        convs, activation, pool = features.convolutions, features.activation_name, True
    elif isinstance(features, ConvEncoder):
        convs, activation, pool = [features.conv], features.activation_name, False
    else:
        raise ExportError(f'{type(net).__name__}: ONNX export knows the encoders '
                          'FlattenDenseEncoder, ConvEncoder and MultiKernelConvEncoder, not '
                          f'{type(features).__name__}')
    dense = net.output_layer  # dropout (if any) is the identity at inference
    vocab_size, embed_size = net.embedding.weight.shape
    twin = _Conv2DEncoderNet(vocab_size, embed_size, [c.weight.shape[2] for c in convs],
                             convs[0].weight.shape[0], pool, activation, dense.weight.shape[0])
    twin.initialize(ctx=mx.cpu())
    widest = max(c.weight.shape[2] for c in convs)
    # without pooling, the dense layer fixes the length: F * (T - k + 1) inputs
    length = widest if pool else dense.weight.shape[1] // convs[0].weight.shape[0] + widest - 1
    twin(mx.nd.zeros((1, length)))  # shapes the deferred parameters
    _copy(net.embedding.weight, twin.embedding.weight)
    for conv, conv2d in zip(convs, twin.convs):
        weight = conv.weight.data().as_in_context(mx.cpu())  # (F, E, k)
        conv2d.weight.set_data(weight.transpose((0, 2, 1)).expand_dims(1))  # (F, 1, k, E)
        _copy(conv.bias, conv2d.bias)
    _copy(dense.weight, twin.output.weight)
    _copy(dense.bias, twin.output.bias)
    return twin
