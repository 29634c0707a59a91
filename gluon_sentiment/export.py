"""Export a trained run as a self-contained bundle, optionally with an ONNX model.

Command line::

    python -m gluon_sentiment.export --model runs/multikernel --out bundles/multikernel --onnx

writes the files described in :mod:`gluon_sentiment.bundle`. From Python::

    from gluon_sentiment.export import export_bundle
    manifest = export_bundle('runs/multikernel', 'bundles/multikernel', onnx=True)

ONNX
----
MXNet 1.9's exporter (``mxnet.onnx.export_model``) rejects ``Conv1D``
(layout NCW), and a max over one axis (``F.max``) becomes a ``ReduceMax``
that the ONNX checker rejects. The networks train with ``Conv1D`` because it
is faster on CPU, so the ONNX file is made from an export-time equivalent
network: each ``Conv1D`` weight ``(F, E, k)`` becomes a ``Conv2D`` weight
``(F, 1, k, E)`` over the embedded text seen as a one-channel image
``(N, 1, T, E)``, and max-over-time becomes a global max ``Pooling``. The
equivalent network is checked against the trained one, and the ONNX file
against MXNet with onnxruntime, before anything is written.
"""
import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Union

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import HybridBlock, nn

from . import __version__, bundle, rundir
from .cli import add_common_args, run_cli
from .data.vocab import PAD, UNK
from .errors import GluonSentimentError, RunDirError
from .model import ConvEncoder, FlattenDenseEncoder, MultiKernelConvEncoder
from .predictor import LABELS, SentimentClassifier, load_model

__all__ = ['ExportError', 'export_bundle', 'export_onnx', 'onnx_equivalent', 'build_parser',
           'main']

log = logging.getLogger(__name__)

#: largest absolute difference allowed between the trained and the exported function
TOLERANCE = 1e-5

TOKENIZER = ("Kim (2014) clean_str rules (gluon_sentiment.data.text.tokenize): '<br />' tags -> "
             "space; every character outside [A-Za-z0-9(),!?'`] -> space; split off 's 've n't "
             "'re 'd 'll; spaces around , ! and around ( ) ? which become the tokens \\( \\) \\?; "
             "lower-case; split on whitespace")


class ExportError(GluonSentimentError):
    """The model cannot be exported in the requested format."""


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
    activation : str
        Activation type.
    """

    def __init__(self, vocab_size: int, embed_size: int, kernel_sizes: Sequence[int],
                 num_filters: int, pool: bool, activation: str = 'relu', num_classes: int = 2,
                 **kwargs):
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
            return self.output(F.flatten(F.Activation(self.convs[0](x), self._activation)))
        pooled = [F.flatten(F.Pooling(conv(x), kernel=(1, 1), global_pool=True, pool_type='max'))
                  for conv in self.convs]
        return self.output(F.Activation(F.concat(*pooled, dim=1), self._activation))


def _copy(src, dst) -> None:
    dst.set_data(src.data().as_in_context(mx.cpu()))


def onnx_equivalent(net: HybridBlock) -> HybridBlock:
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
        For an encoder this module does not know.
    """
    features = getattr(net, 'features', None)
    if isinstance(features, FlattenDenseEncoder):
        return net
    if isinstance(features, MultiKernelConvEncoder):
        convs = [branch[0] for branch in features.branches._children.values()]
        activation, pool = features.activation._act_type, True
    elif isinstance(features, ConvEncoder):
        convs = [features.conv]
        activation, pool = features.conv.act._act_type if features.conv.act else 'identity', False
        if features.conv.act is None:
            raise ExportError('ConvEncoder without activation: not supported for ONNX export')
    else:
        raise ExportError(f'{type(net).__name__}: ONNX export knows the encoders '
                          'FlattenDenseEncoder, ConvEncoder and MultiKernelConvEncoder, not '
                          f'{type(features).__name__}')
    dense = net.output[len(net.output) - 1]  # dropout (if any) is the identity at inference
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


def _check_same(expected: np.ndarray, got: np.ndarray, what: str) -> float:
    diff = float(np.abs(expected - got).max()) if expected.size else 0.0
    if not diff <= TOLERANCE:
        raise ExportError(f'{what} differs from the trained network by {diff:.3g} '
                          f'(> {TOLERANCE}); not exported')
    return diff


def _probe_inputs(clf: SentimentClassifier, variable: bool) -> List[np.ndarray]:
    rng = np.random.RandomState(0)
    vocab_size = len(clf.vocab)
    lengths = [clf.seq_len] + ([max(clf.net.length_margin + 2, 12)] if variable else [])
    return [rng.randint(0, vocab_size, (3, length)).astype(np.float32) for length in lengths]


def _logits(net: HybridBlock, X: np.ndarray) -> np.ndarray:
    with autograd.predict_mode():
        return net(mx.nd.array(X, dtype='float32')).asnumpy()


def export_onnx(clf: SentimentClassifier, path: str) -> Dict[str, Any]:
    """Write ``clf``'s network as ONNX to ``path``, after checking it computes the same.

    The input is ``data``: float32 token ids, shape ``(batch, seq_len)``, or
    ``(batch, length)`` of any length >= the widest kernel for the
    multi-kernel network. The output is 2 logits ``[negative, positive]``.

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
    variable = isinstance(getattr(clf.net, 'length_margin', None), int)
    twin = onnx_equivalent(clf.net)
    twin.hybridize()
    probes = _probe_inputs(clf, variable)
    expected = [_logits(clf.net, X) for X in probes]
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
    data = model.SerializeToString()
    ort_diff = max(_check_same(e, _onnx_logits(data, X), 'onnxruntime')
                   for e, X in zip(expected, probes))

    def write(tmp_path):
        with open(tmp_path, 'wb') as f:
            f.write(data)
    rundir.atomic_write(path, write)
    opset = max(op.version for op in model.opset_import)
    return {'file': bundle.ONNX, 'opset': opset, 'onnx_version': onnx.__version__,
            'input': {'name': model.graph.input[0].name, 'dtype': 'float32',
                      'shape': ['batch', 'length' if variable else clf.seq_len]},
            'output': {'name': model.graph.output[0].name, 'shape': ['batch', len(LABELS)]},
            'max_abs_diff_twin': twin_diff, 'max_abs_diff_onnxruntime': ort_diff}


def _onnx_logits(model_bytes: bytes, X: np.ndarray) -> np.ndarray:
    import onnxruntime as ort  # pylint: disable=import-outside-toplevel
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model_bytes, options, providers=['CPUExecutionProvider'])
    return session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]


def _manifest(clf: SentimentClassifier, net_prefix: str, source: str) -> Dict[str, Any]:
    margin = getattr(clf.net, 'length_margin', None)
    variable = isinstance(margin, int)
    return {
        'format': bundle.BUNDLE_FORMAT,
        'model': clf.name,
        'class': type(clf.net).__name__,
        'source': os.path.abspath(source),
        'param_prefix': net_prefix,
        'versions': {'gluon_sentiment': __version__, 'mxnet': mx.__version__,
                     'gluonnlp': nlp.__version__, 'numpy': np.__version__},
        'files': {'symbol': bundle.SYMBOL, 'params': bundle.PARAMS, 'vocab': rundir.VOCAB,
                  'config': rundir.CONFIG},
        'input': {
            'name': bundle.INPUT_NAME,
            'dtype': 'float32 (integer token ids)',
            'shape': ['batch', 'length' if variable else clf.seq_len],
            'seq_len': clf.seq_len,
            'variable_length': variable,
            'min_length': margin if variable else clf.seq_len,
            'length_margin': margin if variable else None,
            'pad_id': clf.vocab.token_to_idx[PAD],
            'unk_id': clf.vocab.token_to_idx[UNK],
            'vocab_size': len(clf.vocab),
            'tokenizer': TOKENIZER,
            'truncate': clf.truncate,
            'padding': ('cut to the first (truncate=post) or last (pre) seq_len tokens, pad at '
                        'the end with pad_id' + (
                            '; any length >= min_length works, and padding past the longest '
                            'text + length_margin does not change the output' if variable
                            else f' to exactly {clf.seq_len}')),
        },
        'output': {'shape': ['batch', len(LABELS)], 'meaning': 'logits (unnormalized scores)',
                   'labels': list(LABELS), 'probabilities': 'softmax over axis 1'},
    }


def export_bundle(model: Union[str, SentimentClassifier], out: str, onnx: bool = False,
                  params: str = rundir.BEST_PARAMS, overwrite: bool = False) -> Dict[str, Any]:
    """Write a self-contained bundle of a trained run to ``out``.

    Parameters
    ----------
    model : str
        A run directory (or another bundle).
    out : str
        Bundle folder. The bundle is written in a temporary folder beside it
        and renamed into place when complete; an older bundle there is
        replaced.
    onnx : bool, default False
        Also write ``model.onnx`` (needs the ``onnx`` extra).
    params : str, default 'best.params'
        Parameter file of the run to export.
    overwrite : bool, default False
        Replace a folder that holds other files.

    Returns
    -------
    dict
        The manifest written as ``manifest.json``.

    Raises
    ------
    RunDirError
        If ``model`` is not a run or ``out`` cannot be used.
    ExportError
        If ONNX export fails or disagrees with MXNet.
    """
    clf = load_model(model, params=params)
    if isinstance(clf.net, mx.gluon.SymbolBlock):
        raise ExportError(f'{model}: its model is not registered here; export from the '
                          'training run, in the process that registers the model')
    _check_out(out, overwrite)
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=f'.{os.path.basename(os.path.abspath(out))}.', dir=parent)
    try:
        manifest = _write_bundle(clf, model, stage, onnx)
        _swap_into_place(stage, out)
    finally:
        if os.path.isdir(stage):
            shutil.rmtree(stage)
    log.info('exported %s to %s (%.2f MB)', model, out, manifest['size_bytes'] / 1e6)
    return manifest


def _write_bundle(clf: SentimentClassifier, model: str, out: str, onnx: bool) -> Dict[str, Any]:
    net = clf.net
    with autograd.predict_mode():
        net(mx.nd.array(_probe_inputs(clf, False)[0])).wait_to_read()  # export needs a graph
    prefix = os.path.join(out, 'model')
    net.export(prefix, epoch=0)  # model-symbol.json, model-0000.params
    rundir.save_vocab(os.path.join(out, rundir.VOCAB), clf.vocab)
    rundir.write_json(os.path.join(out, rundir.CONFIG), rundir.read_config(model))
    manifest = _manifest(clf, net.prefix, model)
    if onnx:
        manifest['onnx'] = export_onnx(clf, os.path.join(out, bundle.ONNX))
        manifest['files']['onnx'] = bundle.ONNX
    manifest['size_bytes'] = sum(os.path.getsize(os.path.join(out, f))
                                 for f in manifest['files'].values())
    rundir.write_json(os.path.join(out, bundle.MANIFEST), manifest)
    return manifest


def _check_out(out: str, overwrite: bool) -> None:
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f'--out {out}: exists and is not a folder')
    if os.path.isdir(out) and os.listdir(out) and not bundle.is_bundle(out) and not overwrite:
        raise RunDirError(f'--out {out}: holds files that are not a bundle; choose an empty '
                          'or new folder, or pass --overwrite')


def _swap_into_place(stage: str, out: str) -> None:
    """Replace ``out`` by the finished ``stage`` folder: never half a bundle at ``out``."""
    old = None
    if os.path.exists(out):
        old = f'{stage}.old'
        os.replace(out, old)
    os.replace(stage, out)
    if old:
        shutil.rmtree(old)


def build_parser() -> argparse.ArgumentParser:
    """The ``export`` argument parser."""
    parser = argparse.ArgumentParser(prog='python -m gluon_sentiment.export',
                                     description=__doc__.split('\n')[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    group = parser.add_argument_group('export')
    group.add_argument('--model', required=True, help='run directory of a training run')
    group.add_argument('--out', required=True, help='bundle folder to write')
    group.add_argument('--params', default=rundir.BEST_PARAMS,
                       help='parameter file of the run to export')
    group.add_argument('--onnx', action='store_true',
                       help='also write model.onnx, checked against MXNet with onnxruntime')
    group.add_argument('--overwrite', action='store_true',
                       help='replace a folder that holds files other than a bundle')
    add_common_args(parser)
    return parser


def _main(args: argparse.Namespace) -> int:
    manifest = export_bundle(args.model, args.out, onnx=args.onnx, params=args.params,
                             overwrite=args.overwrite)
    print(json.dumps({'out': args.out, 'model': manifest['model'],
                      'size_bytes': manifest['size_bytes'],
                      'files': sorted(manifest['files'].values())}))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m gluon_sentiment.export``; returns the exit status."""
    return run_cli(_main, build_parser(), argv)


if __name__ == '__main__':
    sys.exit(main())
