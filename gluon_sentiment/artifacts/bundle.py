"""The deployment bundle: a trained model in files that MXNet alone can load.

Layout::

    BUNDLE_DIR/manifest.json       format, versions, files and the input/output contract
    BUNDLE_DIR/model-symbol.json   the network's graph (``HybridBlock.export``)
    BUNDLE_DIR/model-0000.params   its parameters
    BUNDLE_DIR/vocab.json          the gluonnlp Vocab (token -> id)
    BUNDLE_DIR/config.json         the training run's config (rebuilds the Gluon model)
    BUNDLE_DIR/model.onnx          the same function in ONNX (only with ``--onnx``)

Without this package, the graph loads with::

    net = mxnet.gluon.SymbolBlock.imports('model-symbol.json', ['data'], 'model-0000.params')
    logits = net(mxnet.nd.array(token_ids))     # (batch, 2): [negative, positive]

This module reads bundles; :mod:`gluon_sentiment.deploy.bundle` writes them.
"""
import os
import warnings
from typing import Any, Dict, Optional

import mxnet as mx
from mxnet import gluon

from ..errors import RunDirError
from .checksums import verify_checksum
from .params import read_param_file, summarize_error
from .store import BUNDLE_FORMAT, CONFIG, INPUT_NAME, MANIFEST, PARAMS, SYMBOL, VOCAB, read_json

__all__ = ['is_bundle', 'read_manifest', 'load_symbol_block', 'length_margin',
           'load_params_into', 'verify_files', 'REEXPORT']

#: what to do about a damaged bundle
REEXPORT = 're-export the bundle with python -m gluon_sentiment.export'



def is_bundle(path: str) -> bool:
    """Whether ``path`` holds a bundle's ``manifest.json``."""
    return os.path.isfile(os.path.join(path, MANIFEST))


def read_manifest(path: str) -> Dict[str, Any]:
    """The ``manifest.json`` of the bundle in ``path``.

    Raises
    ------
    RunDirError
        If ``path`` is not a bundle of a known format.
    """
    manifest = read_json(os.path.join(path, MANIFEST))
    if not isinstance(manifest, dict) or manifest.get('format') != BUNDLE_FORMAT:
        found = manifest.get('format') if isinstance(manifest, dict) else None
        raise RunDirError(f'{os.path.join(path, MANIFEST)}: not a {BUNDLE_FORMAT} manifest '
                          f'(format {found!r}); re-export with python -m gluon_sentiment.export')
    for name in (SYMBOL, PARAMS, VOCAB, CONFIG):
        if not os.path.isfile(os.path.join(path, name)):
            raise RunDirError(f'{os.path.join(path, name)}: missing; the bundle is incomplete, '
                              're-export it')
    _check_listed(path, manifest)
    if not isinstance(manifest.get('input'), dict) or not isinstance(manifest.get('param_prefix'),
                                                                      str):
        raise RunDirError(f'{os.path.join(path, MANIFEST)}: damaged: no "input" contract or '
                          f'"param_prefix"; {REEXPORT}')
    return manifest


def _check_listed(path: str, manifest: Dict[str, Any]) -> None:
    """Refuse a manifest whose ``files`` (or ``checksums``) name files outside ``path`` or absent."""
    where = os.path.join(path, MANIFEST)
    root = os.path.realpath(path)
    for key in ('files', 'checksums'):
        listed = manifest.get(key, {})
        if not isinstance(listed, dict):
            raise RunDirError(f'{where}: damaged: {key!r} is not a mapping; {REEXPORT}')
        names = listed.values() if key == 'files' else listed.keys()
        for name in names:
            if (not isinstance(name, str) or not name or os.path.isabs(name)
                    or '..' in name.replace('\\', '/').split('/')
                    or os.path.commonpath([root, os.path.realpath(os.path.join(path, name))])
                    != root):
                raise RunDirError(f'{where}: names {name!r}, which is not a file inside the '
                                  'bundle; refusing to read outside it')
            if not os.path.isfile(os.path.join(path, name)):
                raise RunDirError(f'{where}: names {name!r}, which the bundle does not hold; '
                                  f'{REEXPORT}')


def verify_files(path: str) -> None:
    """Check every file of the bundle against the SHA-256 its manifest records.

    A bundle exported before checksums existed has none: it loads, with a
    warning.

    Raises
    ------
    RunDirError
        If a file is damaged, missing or not the bundle's own.
    """
    manifest = read_manifest(path)
    sums = manifest.get('checksums')
    if not sums:
        verify_checksum(os.path.join(path, PARAMS), None, 'parameters', REEXPORT)
        return
    for name in manifest.get('files', {}).values():
        expected = sums.get(name)
        verify_checksum(os.path.join(path, name), expected if isinstance(expected, str) else '',
                        'files', REEXPORT)


def load_symbol_block(path: str, ctx: Optional[mx.Context] = None) -> gluon.SymbolBlock:
    """The bundle's graph as a :class:`mxnet.gluon.SymbolBlock`, without the model classes.

    The block knows nothing of the input contract; the manifest's
    ``input.length_margin`` (:func:`length_margin`) goes to the
    :class:`~gluon_sentiment.inference.SentimentClassifier` that holds it.
    """
    read_manifest(path)
    ctx = ctx or mx.cpu()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', UserWarning)  # "Cannot decide type for ... data"
            block = gluon.SymbolBlock.imports(os.path.join(path, SYMBOL), [INPUT_NAME],
                                              os.path.join(path, PARAMS), ctx=ctx)
    except (mx.MXNetError, AssertionError, ValueError, KeyError, TypeError) as err:
        read_param_file(os.path.join(path, PARAMS), REEXPORT)  # raises if damaged
        raise RunDirError(f'{path}: cannot load the graph of {SYMBOL}: damaged or made by '
                          f'another MXNet ({summarize_error(err)}); {REEXPORT}') from None
    return block


def length_margin(path: str) -> Optional[int]:
    """The bundle's ``input.length_margin``: ``None`` for fixed-length inputs."""
    return read_manifest(path)['input'].get('length_margin')


def load_params_into(net: gluon.HybridBlock, path: str, ctx: Optional[mx.Context] = None) -> None:
    """Load the bundle's exported parameters into a freshly built Gluon ``net``.

    ``HybridBlock.export`` names parameters with the exporting network's
    prefix (``multikernelconvnet0_...``); the manifest records it, and it is
    replaced here by ``net``'s own prefix.

    Raises
    ------
    RunDirError
        If the parameters do not fit ``net``.
    """
    manifest = read_manifest(path)
    old = manifest['param_prefix']
    params_path = os.path.join(path, PARAMS)
    loaded = read_param_file(params_path, REEXPORT)
    try:
        renamed = {}
        for key, value in loaded.items():
            name = key.split(':', 1)[1] if key[:4] in ('arg:', 'aux:') else key
            if not name.startswith(old):
                raise ValueError(f'parameter {name} lacks the prefix {old}')
            renamed[net.prefix + name[len(old):]] = value
        net.collect_params().load_dict(renamed, ctx=ctx or mx.cpu())
    except (mx.MXNetError, AssertionError, ValueError, KeyError, TypeError) as err:
        raise RunDirError(f'{params_path}: does not fit the model in {CONFIG} (made by a '
                          f'different model: {summarize_error(err)}); {REEXPORT}') from None
