"""The ONNX graph of the bag-of-n-gram models, written node by node.

MXNet 1.9's exporter has no translation for the scalar ``%`` and ``!=``
of the in-graph n-gram hash (:meth:`HashedNgramNet.ngram_rows
<gluon_sentiment.model.ngram.HashedNgramNet.ngram_rows>`), so the graph is
built here with ``onnx.helper``, from the folded score table
(:class:`~gluon_sentiment.model.NgramTableNet`): the same token ids in, the
same hash (exact int64 arithmetic: ``Mul``, ``Add``, ``Mod``), a
``Gather`` of the table's rows, the masked mean as a ``MatMul`` of the
weights ``mask / count`` with the rows, the bias. An
:class:`~gluon_sentiment.model.NgramNet` is folded first (without
centering, so that the logits themselves agree);
:func:`gluon_sentiment.deploy.onnx.export_onnx` checks both steps.
"""
from typing import List

import numpy as np

from ..artifacts.store import INPUT_NAME
from ..model.ngram import HASH_PRIME
from ..model.ngram_table import NgramTableNet

__all__ = ['ngram_onnx_model', 'OPSET', 'OUTPUT_NAME']

#: the ONNX opset of the graph (``ReduceSum``, ``Unsqueeze`` and ``Squeeze`` take axes as inputs)
OPSET = 13
#: name of the graph's output
OUTPUT_NAME = 'logits'

_END = np.iinfo(np.int64).max


class _Graph:
    """Nodes and int64 constants of a graph being built, with fresh names."""

    def __init__(self, helper, numpy_helper):
        self.helper = helper
        self.numpy_helper = numpy_helper
        self.nodes: List = []
        self.initializers: List = []
        self._count = 0

    def const(self, values, dtype=np.int64) -> str:
        name = f'c{len(self.initializers)}'
        self.initializers.append(self.numpy_helper.from_array(np.asarray(values, dtype=dtype),
                                                              name))
        return name

    def op(self, kind: str, *inputs: str, **attrs) -> str:
        self._count += 1
        out = f'{kind.lower()}{self._count}'
        self.nodes.append(self.helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def columns(self, x: str, begin: int, end: int) -> str:
        """``x[:, begin:end]`` (``end`` 0: to the last column)."""
        return self.op('Slice', x, self.const([begin]), self.const([end or _END]),
                       self.const([1]))


def _rows_and_mask(g: _Graph, x: str, net: NgramTableNet):
    """The nodes of :meth:`HashedNgramNet.ngram_rows`: int64 rows and bool mask."""
    pad = g.const(net.padding_index)
    longest = max(net.ngram_orders) - 1
    if longest:
        column = g.op('Add', g.op('Mul', g.columns(x, 0, 1), g.const(0)), pad)
        x = g.op('Concat', x, *([column] * longest), axis=1)
    valid = g.op('Not', g.op('Equal', x, pad))
    rows, masks = [], []
    for n in net.ngram_orders:
        span = n - 1
        windows = [g.columns(x, k, k - span) for k in range(n)]
        code = windows[0]
        if n > 1:
            for k, window in enumerate(windows[1:], 2):
                code = g.op('Add', g.op('Mul', code, g.const(HASH_PRIME)), window)
                if k == n:
                    code = g.op('Add', code, g.const(n))
                code = g.op('Mod', code, g.const(net.num_buckets))
            code = g.op('Add', code, g.const(net.words))
        rows.append(code)
        mask = g.columns(valid, 0, -span)
        for k in range(1, n):
            mask = g.op('And', mask, g.columns(valid, k, k - span))
        masks.append(mask)
    return g.op('Concat', *rows, axis=1), g.op('Concat', *masks, axis=1)


def ngram_onnx_model(net: NgramTableNet):
    """The ONNX model (``onnx.ModelProto``) computing ``net``'s scores.

    Input ``data``: float32 token ids ``(batch, length)``, any length >= 1;
    output ``logits`` ``(batch, num_classes)``.
    """
    import onnx  # pylint: disable=import-outside-toplevel
    from onnx import TensorProto, helper, numpy_helper  # pylint: disable=import-outside-toplevel
    g = _Graph(helper, numpy_helper)
    x = g.op('Cast', INPUT_NAME, to=TensorProto.INT64)
    rows, mask = _rows_and_mask(g, x, net)
    table = g.const(net.embedding.weight.data().asnumpy(), np.float32)
    bias = g.const(net.output_layer.bias.data().asnumpy(), np.float32)
    mask = g.op('Cast', mask, to=TensorProto.FLOAT)
    count = g.op('Max', g.op('ReduceSum', mask, g.const([1]), keepdims=1),
                 g.const(1.0, np.float32))
    weight = g.op('Unsqueeze', g.op('Div', mask, count), g.const([1]))  # (batch, 1, L)
    pooled = g.op('MatMul', weight, g.op('Gather', table, rows, axis=0))  # (batch, 1, K)
    g.nodes.append(helper.make_node('Add', [g.op('Squeeze', pooled, g.const([1])), bias],
                                    [OUTPUT_NAME]))
    graph = helper.make_graph(
        g.nodes, type(net).__name__,
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ['batch', 'length'])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT,
                                       ['batch', net.num_classes])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                              producer_name='gluon_sentiment')
    onnx.checker.check_model(model)
    return model
