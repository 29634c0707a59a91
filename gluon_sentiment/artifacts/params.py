"""Parameter files: written without a second copy of the network, read back with clear errors.

:func:`save_parameters` writes the file of ``Block.save_parameters``
from the parameters' own arrays (MXNet first copies each of them, which for
a moment holds the network twice). When reading, MXNet's own errors carry
C++ stack text (``Traceback ... ndarray.cc, line 1860 ... Check failed:
fi->Read(data)``); here they become one line in our words: a file MXNet
cannot parse at all is *damaged* (cut short, corrupt, empty or not a
parameter file), one that parses but does not fit the
network is *from a different model*.
"""
import os
import re
from typing import Callable, Dict

import mxnet as mx
from mxnet.base import MXNetError

from ..errors import RunDirError
from .store import CONFIG

__all__ = ['save_parameters', 'summarize_error', 'read_param_file', 'load_parameters',
           'load_or_explain']

_NOISE = re.compile(r'^(Traceback|\s*File "|Stack trace|\s*\[bt\]|\s*$)')
_CUT = (', which contains parameters', '. Set allow_missing', '. Set ignore_extra',
        '. For more info')


def save_parameters(net: mx.gluon.Block, path: str) -> None:
    """Write ``net``'s parameters to ``path``: the same file as ``net.save_parameters(path)``.

    ``Block.save_parameters`` saves a copy of every parameter
    (``Parameter._reduce``), so while it writes, the process holds the
    network twice: 290 MB more for the 2^22-row n-gram model, the highest
    point of its training's memory. A parameter held densely on ``cpu(0)``
    alone is written from its own array here; any other (on several
    contexts: their average; on a GPU; row-sparse) goes through
    ``_reduce`` as in MXNet. NumPy-semantics blocks use MXNet's method.
    """
    if mx.util.is_np_array():
        net.save_parameters(path)
        return
    arrays = {}
    for name, param in net._collect_params_with_prefix().items():
        data = param.list_data() if param._stype == 'default' else []
        arrays[name] = data[0] if len(data) == 1 and data[0].context == mx.cpu(0) \
            else param._reduce()
    mx.nd.save(path, arrays)


def summarize_error(err: BaseException, limit: int = 160) -> str:
    """The informative part of an MXNet, gluonnlp or Python error, on one short line.

    Stack lines (``Traceback``, ``File "...", line N``) are dropped, the
    ``MXNetError:`` and ``Check failed:`` prefixes removed, the parameter
    lists gluon appends cut off.
    """
    lines = [line for line in str(err).splitlines() if not _NOISE.match(line)]
    text = lines[0].strip() if lines else type(err).__name__
    for prefix in ('MXNetError: ', 'Check failed: '):
        text = text.split(prefix, 1)[-1]
    for cut in _CUT:
        text = text.split(cut, 1)[0]
    return text if len(text) <= limit else text[:limit - 3] + '...'


def read_param_file(path: str, remedy: str) -> Dict[str, mx.nd.NDArray]:
    """``mx.nd.load(path)``, refusing an empty, truncated, corrupt or non-parameter file.

    Raises
    ------
    RunDirError
        ``PATH: missing``, ``PATH: empty`` or ``PATH: damaged ...``, then
        ``remedy``.
    """
    try:
        size = os.path.getsize(path)
    except OSError:
        raise RunDirError(f'{path}: missing; {remedy}') from None
    if size == 0:
        raise RunDirError(f'{path}: empty (a copy or write cut short?); {remedy}')
    try:
        loaded = mx.nd.load(path)
    except MXNetError:
        raise RunDirError(f'{path}: damaged: not a complete MXNet parameter file ({size} bytes; '
                          f'cut short or corrupt); {remedy}') from None
    if not isinstance(loaded, dict) or not loaded:
        raise RunDirError(f'{path}: damaged: holds no named parameters; {remedy}')
    return loaded


def load_or_explain(path: str, load: Callable[[], None], remedy: str) -> None:
    """Run ``load()`` (which reads the parameter file ``path``); explain a failure.

    A file MXNet cannot parse is reported as damaged (with ``remedy``), one
    that parses as not fitting the model of ``config.json``.
    """
    try:
        load()
    except (MXNetError, AssertionError, ValueError, KeyError, TypeError) as err:
        read_param_file(path, remedy)  # raises if the file itself is damaged
        raise RunDirError(f'{path}: does not fit the model in {CONFIG} (made by a different '
                          f'model: {summarize_error(err)}); use the {CONFIG} of the run that '
                          'made it, or retrain') from None


def load_parameters(net: mx.gluon.Block, path: str, ctx, remedy: str) -> None:
    """``net.load_parameters(path, ctx)`` with the errors of :func:`load_or_explain`."""
    load_or_explain(path, lambda: net.load_parameters(path, ctx=ctx), remedy)
