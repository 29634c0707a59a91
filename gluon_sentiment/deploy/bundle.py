"""Bundle writing: a trained run as a self-contained folder that MXNet alone can load.

::

    from gluon_sentiment.deploy import export_bundle
    manifest = export_bundle('runs/multikernel', 'bundles/multikernel', onnx=True)

writes the files described in :mod:`gluon_sentiment.artifacts.bundle`
(``python -m gluon_sentiment.export`` is the command line). The bundle is
assembled in a temporary folder beside ``out`` and swapped in when complete.
"""
import logging
import os
from typing import Any, Dict, Union

import gluonnlp as nlp
import mxnet as mx
import numpy as np
from mxnet import autograd

from .._version import __version__
from ..artifacts import bundle, rundir
from ..artifacts.checksums import sha256_file
from ..artifacts.store import (BEST_PARAMS, BUNDLE_FORMAT, CONFIG, INPUT_NAME, MANIFEST, ONNX,
                               PARAMS, SYMBOL, VOCAB, atomic_folder, storage_guard, write_json)
from ..data.text import TOKENIZER_RULES
from ..data.vocab import PAD, UNK
from ..errors import ExportError, RunDirError
from ..inference.classifier import SentimentClassifier
from ..inference.loading import load_model
from ..inference.pretrained import resolve_model
from .onnx import export_onnx, probe_inputs

__all__ = ['TOKENIZER', 'describe_tokenizer', 'export_bundle']

log = logging.getLogger(__name__)

#: The manifest's description of Kim's tokenizer (``TOKENIZER_RULES['kim']``), named.
TOKENIZER = 'kim: ' + TOKENIZER_RULES['kim']


def describe_tokenizer(name: str) -> str:
    """The manifest's ``input.tokenizer``: the tokenizer's name, a colon and its rules."""
    return f'{name}: {TOKENIZER_RULES[name]}'


def _manifest(clf: SentimentClassifier, net_prefix: str, source: str) -> Dict[str, Any]:
    margin = clf.length_margin
    variable = margin is not None
    return {
        'format': BUNDLE_FORMAT,
        'model': clf.name,
        'class': type(clf.net).__name__,
        'source': os.path.abspath(source),
        'param_prefix': net_prefix,
        'versions': {'gluon_sentiment': __version__, 'mxnet': mx.__version__,
                     'gluonnlp': nlp.__version__, 'numpy': np.__version__},
        'files': {'symbol': SYMBOL, 'params': PARAMS, 'vocab': VOCAB,
                  'config': CONFIG},
        'input': {
            'name': INPUT_NAME,
            'dtype': 'float32 (integer token ids)',
            'shape': ['batch', 'length' if variable else clf.seq_len],
            'seq_len': clf.seq_len,
            'variable_length': variable,
            'min_length': margin if variable else clf.seq_len,
            'length_margin': margin if variable else None,
            'pad_id': clf.vocab.token_to_idx[PAD],
            'unk_id': clf.vocab.token_to_idx[UNK],
            'vocab_size': len(clf.vocab),
            'tokenizer': describe_tokenizer(clf.tokenizer),
            'truncate': clf.truncate,
            'padding': ('cut to the first (truncate=post) or last (pre) seq_len tokens, pad at '
                        'the end with pad_id' + (
                            '; any length >= min_length works, and padding past the longest '
                            'text + length_margin does not change the output' if variable
                            else f' to exactly {clf.seq_len}')),
        },
        'output': _output(clf),
    }


def _output(clf: SentimentClassifier) -> Dict[str, Any]:
    """The manifest's ``output``: shape, class names, and how to get calibrated probabilities."""
    names = list(clf.class_names)
    out = {'shape': ['batch', len(names)], 'meaning': 'logits (unnormalized scores)',
           'labels': names, 'probabilities': 'softmax over axis 1'}
    if clf.temperature is not None:
        out.update(temperature=clf.temperature,
                   probabilities='softmax(logits / temperature) over axis 1 (calibrated)')
    if clf.bias is not None:
        out.update(bias=list(clf.bias), probabilities='softmax(logits / temperature + bias) over '
                                                      'axis 1 (calibrated, prior-corrected)')
    if clf.threshold is not None:
        out['threshold'] = clf.threshold
        out['decision'] = f'{names[1]} when P({names[1]}) > threshold'
    return out


def export_bundle(model: Union[str, SentimentClassifier], out: str, onnx: bool = False,
                  params: str = BEST_PARAMS, overwrite: bool = False) -> Dict[str, Any]:
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
    model = resolve_model(model)
    clf = load_model(model, params=params, fold=False)  # the trained network, as config.json says
    if isinstance(clf.net, mx.gluon.SymbolBlock):
        raise ExportError(f'{model}: its model is not registered here; export from the '
                          'training run, in the process that registers the model')
    _check_out(out, overwrite)
    with atomic_folder(out) as stage:
        manifest = _write_bundle(clf, model, stage, onnx)
    log.info('exported %s to %s (%.2f MB)', model, out, manifest['size_bytes'] / 1e6)
    return manifest


def _write_bundle(clf: SentimentClassifier, model: str, out: str, onnx: bool) -> Dict[str, Any]:
    net = clf.net
    with autograd.predict_mode():
        net(mx.nd.array(probe_inputs(clf, False)[0])).wait_to_read()  # export needs a graph
    prefix = os.path.join(out, 'model')
    with storage_guard(os.path.join(out, PARAMS), os.path.join(out, PARAMS)):
        net.export(prefix, epoch=0)  # model-symbol.json, model-0000.params
    rundir.save_vocab(os.path.join(out, VOCAB), clf.vocab)
    write_json(os.path.join(out, CONFIG), rundir.read_config(model))
    manifest = _manifest(clf, net.prefix, model)
    if onnx:
        manifest['onnx'] = export_onnx(clf, os.path.join(out, ONNX))
        manifest['files']['onnx'] = ONNX
    manifest['size_bytes'] = sum(os.path.getsize(os.path.join(out, f))
                                 for f in manifest['files'].values())
    manifest['checksums'] = {f: sha256_file(os.path.join(out, f))
                             for f in manifest['files'].values()}
    write_json(os.path.join(out, MANIFEST), manifest)
    return manifest


def _check_out(out: str, overwrite: bool) -> None:
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunDirError(f'--out {out}: exists and is not a folder')
    if os.path.isdir(out) and os.listdir(out) and not bundle.is_bundle(out) and not overwrite:
        raise RunDirError(f'--out {out}: holds files that are not a bundle; choose an empty '
                          'or new folder, or pass --overwrite')
