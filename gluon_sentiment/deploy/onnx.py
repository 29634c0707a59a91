"""ONNX export of a trained network, checked against MXNet before it is written.

The file is made from :func:`gluon_sentiment.model.onnx_equivalent` (a
``Conv2D`` twin of the convolutional networks, which MXNet 1.9 can export),
or for the bag-of-n-gram models from their folded score table, written node
by node (:mod:`.onnx_ngram`); the twin (or table) is compared with the
trained network, and the ONNX file with MXNet through onnxruntime, on
random token ids, and nothing is written when they differ by more than
:data:`TOLERANCE`.
"""
import os
import tempfile
from typing import Any, Dict, List

import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import HybridBlock

from ..artifacts.store import ONNX, atomic_write
from ..errors import ExportError
from ..inference.classifier import SentimentClassifier
from ..model.ngram import HashedNgramNet
from ..model.ngram_table import NgramTableNet, fold_ngram
from ..model.onnx_twin import onnx_equivalent
from .onnx_ngram import ngram_onnx_model

__all__ = ['TOLERANCE', 'export_onnx', 'probe_inputs']

#: largest absolute difference allowed between the trained and the exported function
TOLERANCE = 1e-5


def _check_same(expected: np.ndarray, got: np.ndarray, what: str) -> float:
    diff = float(np.abs(expected - got).max()) if expected.size else 0.0
    if not diff <= TOLERANCE:
        raise ExportError(f'{what} differs from the trained network by {diff:.3g} '
                          f'(> {TOLERANCE}); not exported')
    return diff


def probe_inputs(clf: SentimentClassifier, variable: bool) -> List[np.ndarray]:
    """Random token ids of ``clf``'s input length (and a short length if ``variable``)."""
    rng = np.random.RandomState(0)
    vocab_size = len(clf.vocab)
    lengths = [clf.seq_len] + ([max(clf.length_margin + 2, 12)] if variable else [])
    return [rng.randint(0, vocab_size, (3, length)).astype(np.float32) for length in lengths]


def _logits(net: HybridBlock, X: np.ndarray) -> np.ndarray:
    with autograd.predict_mode():
        return net(mx.nd.array(X, dtype='float32')).asnumpy()


def export_onnx(clf: SentimentClassifier, path: str) -> Dict[str, Any]:
    """Write ``clf``'s network as ONNX to ``path``, after checking it computes the same.

    The input is ``data``: float32 token ids, shape ``(batch, seq_len)``, or
    ``(batch, length)`` of any length >= the widest kernel for the
    multi-kernel network (>= 1 for the n-gram models). The output is the
    logits ``[negative, positive]`` (one per class).

    Returns
    -------
    dict
        The ``onnx`` section of the manifest: opset, input shape, and the
        largest differences measured (twin vs. trained, onnxruntime vs.
        trained).

    Raises
    ------
    ExportError
        If the network cannot be exported or the exported model disagrees.
    """
    import onnx  # pylint: disable=import-outside-toplevel
    variable = clf.length_margin is not None
    probes = probe_inputs(clf, variable)
    expected = [_logits(clf.net, X) for X in probes]
    if isinstance(clf.net, HashedNgramNet):
        model, twin_diff = _ngram_model(clf.net, probes, expected)
    else:
        model, twin_diff = _twin_model(clf, path, probes, expected)
    data = model.SerializeToString()
    ort_diff = max(_check_same(e, _onnx_logits(data, X), 'onnxruntime')
                   for e, X in zip(expected, probes))

    def write(tmp_path):
        with open(tmp_path, 'wb') as f:
            f.write(data)
    atomic_write(path, write)
    opset = max(op.version for op in model.opset_import)
    return {'file': ONNX, 'opset': opset, 'onnx_version': onnx.__version__,
            'input': {'name': model.graph.input[0].name, 'dtype': 'float32',
                      'shape': ['batch', 'length' if variable else clf.seq_len]},
            'output': {'name': model.graph.output[0].name,
                       'shape': ['batch', len(clf.class_names)]},
            'max_abs_diff_twin': twin_diff, 'max_abs_diff_onnxruntime': ort_diff}


def _ngram_model(net: HashedNgramNet, probes: List[np.ndarray], expected: List[np.ndarray]):
    """The n-gram graph (:mod:`.onnx_ngram`) of ``net`` folded without centering, and the
    largest difference of the fold from ``net``."""
    table = net if isinstance(net, NgramTableNet) else fold_ngram(net, center=False)
    diff = max(_check_same(e, _logits(table, X), 'the folded score table')
               for e, X in zip(expected, probes))
    return ngram_onnx_model(table), diff


def _twin_model(clf: SentimentClassifier, path: str, probes: List[np.ndarray],
                expected: List[np.ndarray]):
    """``mxnet.onnx.export_model`` of the Conv2D twin of ``clf.net`` (checked against it first),
    with the weights kept out of the graph's inputs; and the twin's largest difference."""
    import onnx  # pylint: disable=import-outside-toplevel
    variable = clf.length_margin is not None
    twin = onnx_equivalent(clf.net)
    twin.hybridize()
    twin_diff = max(_check_same(e, _logits(twin, X), 'the Conv2D equivalent network')
                    for e, X in zip(expected, probes))
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(path))) as tmp:
        prefix = os.path.join(tmp, 'twin')
        twin.export(prefix, epoch=0)
        shape = (None, None) if variable else (None, clf.seq_len)
        try:
            model = mx.onnx.export_model(f'{prefix}-symbol.json', f'{prefix}-0000.params',
                                         [(1, clf.seq_len)], np.float32,
                                         os.path.join(tmp, 'model.onnx'), dynamic=True,
                                         dynamic_input_shapes=[shape])
            model = onnx.load(model)
            # weights are initializers, not inputs: lets onnxruntime fold constants
            weights = {init.name for init in model.graph.initializer}
            kept = [i for i in model.graph.input if i.name not in weights]
            del model.graph.input[:]
            model.graph.input.extend(kept)
            onnx.checker.check_model(model)
        except (NotImplementedError, AttributeError, KeyError, ValueError,
                onnx.checker.ValidationError) as err:
            raise ExportError(f'ONNX export of {type(clf.net).__name__} failed: '
                              f'{str(err).splitlines()[0]}') from None
    return model, twin_diff


def _onnx_logits(model_bytes: bytes, X: np.ndarray) -> np.ndarray:
    import onnxruntime as ort  # pylint: disable=import-outside-toplevel
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model_bytes, options, providers=['CPUExecutionProvider'])
    return session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]
