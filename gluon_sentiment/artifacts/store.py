"""Files on disk: their names, format markers, and writing them atomically.

Every artifact of the package (a run directory, a bundle, an ensemble, an
evaluation report, a picture) is written through this module: a file goes
to a temporary name in its own folder and is renamed into place; a whole
folder is assembled under a temporary name beside its target and swapped in
when complete. A crash or a kill therefore leaves the old artifact or the
new one, never half of one. The file names and format markers of every
folder kind are defined here and nowhere else.
"""
import contextlib
import errno
import json
import os
import re
import resource
import shutil
import tempfile
from typing import Any, Callable, Iterator, List, Optional

from mxnet.base import MXNetError

from ..errors import RunDirError, StorageError

__all__ = ['CONFIG', 'VOCAB', 'METRICS', 'BEST_PARAMS', 'SYMBOL_PREFIX', 'SYMBOL_SUFFIXES',
           'RUN_FORMAT', 'MANIFEST', 'BUNDLE_FORMAT', 'SYMBOL', 'PARAMS', 'ONNX', 'INPUT_NAME',
           'ENSEMBLE', 'ENSEMBLE_FORMAT', 'MEMBERS', 'AUTOTUNE', 'AUTOTUNE_FORMAT', 'STUDY_DB',
           'TRIALS', 'TRIALS_CSV', 'HISTORY_PLOT', 'IMPORTANCE_PLOT', 'BEST_COMMAND',
           'COMPACT_PARAMS', 'COMPACT_FORMAT', 'COMPRESSION',
           'epoch_params', 'epoch_states',
           'atomic_write', 'atomic_folder', 'write_json', 'read_json', 'temporaries',
           'remove_temporaries', 'storage_error', 'storage_guard', 'make_folder']

# a run directory (gluon_sentiment.artifacts.rundir)
CONFIG = 'config.json'
VOCAB = 'vocab.json'
METRICS = 'metrics.json'
BEST_PARAMS = 'best.params'
SYMBOL_PREFIX = 'model'
#: what ``HybridBlock.export(prefix, epoch=0)`` appends to the prefix
SYMBOL_SUFFIXES = ('-symbol.json', '-0000.params')
RUN_FORMAT = 'gluon_sentiment.run/1'

# a compact run (gluon_sentiment.artifacts.compact): a run directory whose parameters are
# compact (float16, int8, only some rows) instead of best.params
COMPACT_PARAMS = 'params.npz'
COMPACT_FORMAT = 'gluon_sentiment.compact/1'
#: the report of the compress command, in the folder it writes
COMPRESSION = 'compression.json'

# a bundle (gluon_sentiment.artifacts.bundle)
MANIFEST = 'manifest.json'
BUNDLE_FORMAT = 'gluon_sentiment.bundle/1'
SYMBOL = SYMBOL_PREFIX + SYMBOL_SUFFIXES[0]
PARAMS = SYMBOL_PREFIX + SYMBOL_SUFFIXES[1]
ONNX = 'model.onnx'
#: name of the exported graph's one input
INPUT_NAME = 'data'

# an ensemble (gluon_sentiment.inference.ensemble)
ENSEMBLE = 'ensemble.json'
ENSEMBLE_FORMAT = 'gluon_sentiment.ensemble/1'
#: sub-folder of an ensemble holding its members
MEMBERS = 'members'

# an autotune folder (gluon_sentiment.tuning): the best trial's run files at its top,
# so that it loads like a run, and the study beside them
AUTOTUNE = 'autotune.json'
AUTOTUNE_FORMAT = 'gluon_sentiment.autotune/1'
#: Optuna's SQLite storage of the study
STUDY_DB = 'study.db'
#: sub-folder holding one run directory per trial, named by the trial number
TRIALS = 'trials'
TRIALS_CSV = 'trials.csv'
HISTORY_PLOT = 'optimization_history.png'
IMPORTANCE_PLOT = 'param_importances.png'
#: the ``train`` command line that reproduces the best trial's run
BEST_COMMAND = 'best_command.txt'


def epoch_params(epoch: int) -> str:
    """File name of the parameters saved after ``epoch`` (1-based)."""
    return f'epoch-{epoch:04d}.params'


def epoch_states(epoch: int) -> str:
    """File name of the trainer (optimizer) states saved after ``epoch``."""
    return f'epoch-{epoch:04d}.states'


def storage_error(path: str, err: BaseException, partial: Optional[str] = None) -> StorageError:
    """The one-line :class:`~gluon_sentiment.errors.StorageError` for a failed write of ``path``.

    An ``OSError`` gives its errno name and text (``ENOSPC: No space left on
    device``). MXNet reports a short write without an errno
    (``FileStream.Write incomplete``); the cause is then looked up: the
    file-size limit (``EFBIG``) when ``partial`` (the file being written)
    reached it, a full disk (``ENOSPC``) when no block is free.
    """
    code = err.errno if isinstance(err, OSError) and err.errno else _diagnose(path, partial)
    if code:
        cause = f'{errno.errorcode.get(code, code)}: {os.strerror(code)}'
    else:
        cause = 'the write did not complete'
    where = getattr(err, 'filename', None)
    if where and partial and os.path.abspath(where) != os.path.abspath(partial):
        cause += f', at {where}'
    return StorageError(f'{path}: cannot write it ({cause})', path, code or None)


def _diagnose(path: str, partial: Optional[str]) -> int:
    """EFBIG, ENOSPC or 0: why a write of ``partial`` without an errno failed."""
    try:
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if (partial and limit != resource.RLIM_INFINITY and os.path.exists(partial)
                and os.path.getsize(partial) >= limit - 65536):
            return errno.EFBIG
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            return errno.ENOENT
        if os.statvfs(folder).f_bavail == 0:
            return errno.ENOSPC
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def storage_guard(path: str, partial: Optional[str] = None) -> Iterator[None]:
    """Turn an ``OSError`` or ``MXNetError`` raised while writing ``path`` into a StorageError."""
    try:
        yield
    except (OSError, MXNetError) as err:
        raise storage_error(path, err, partial) from None


def make_folder(path: str, target: Optional[str] = None) -> None:
    """``os.makedirs(path, exist_ok=True)``, failing with a StorageError that names ``path``.

    ``target``, when given, is what the folder is made for (a file or
    folder inside it), named in the message instead.
    """
    target = target or path
    if os.path.exists(path) and not os.path.isdir(path):
        raise StorageError(f'{target}: cannot write it ({path} exists and is not a folder; '
                           'choose another path)', target, errno.EEXIST)
    above = os.path.dirname(os.path.abspath(path))
    while above and not os.path.exists(above) and os.path.dirname(above) != above:
        above = os.path.dirname(above)
    if os.path.exists(above) and not os.path.isdir(above):
        raise StorageError(f'{target}: cannot write it (ENOTDIR: {above} is a file, '
                           'not a folder)', target, errno.ENOTDIR)
    with storage_guard(target):
        os.makedirs(path, exist_ok=True)


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)``, then rename ``tmp_path`` to ``path``.

    The temporary file lives in the same folder, so the rename is atomic; it
    is removed if ``write`` fails.

    Raises
    ------
    StorageError
        If writing fails for lack of space, the file-size limit, permission,
        a missing folder or a folder in the way (see :func:`storage_error`).
    """
    tmp = os.path.join(os.path.dirname(path) or '.', f'.{os.path.basename(path)}.tmp{os.getpid()}')
    try:
        with storage_guard(path, tmp):
            write(tmp)
            with open(tmp, 'rb') as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            _remove_quietly(tmp)


@contextlib.contextmanager
def atomic_folder(path: str) -> Iterator[str]:
    """Assemble a folder under a temporary name beside ``path``; swap it in when complete.

    ``with atomic_folder(out) as stage:`` yields the temporary folder to
    fill. On a normal exit an existing ``path`` is replaced by it (the old
    folder is renamed aside first, so ``path`` is never half written); on
    an exception the temporary folder is removed and ``path`` is untouched.

    Raises
    ------
    StorageError
        If the folder cannot be created or filled; the message names
        ``path`` (not the temporary folder) and the cause.
    """
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    make_folder(parent, path)
    with storage_guard(path):
        stage = tempfile.mkdtemp(prefix=f'.{os.path.basename(path)}.', dir=parent)
    try:
        with _named_as(stage, path):
            yield stage
            old = None
            if os.path.exists(path):
                old = f'{stage}.old'
                os.replace(path, old)
            os.replace(stage, path)
            if old:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        if os.path.isdir(stage):
            shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _named_as(stage: str, path: str) -> Iterator[None]:
    """StorageErrors about files in the temporary ``stage`` name them as in ``path``."""
    try:
        with storage_guard(path):
            yield
    except StorageError as err:
        raise StorageError(str(err).replace(stage, path), err.path.replace(stage, path),
                           err.errno) from None


def write_json(path: str, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    def write(tmp):
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(obj, f, indent=2, sort_keys=True)
            f.write('\n')
    atomic_write(path, write)


def read_json(path: str) -> Any:
    """Read a JSON file, with a one-line error if it is missing, empty or damaged.

    Raises
    ------
    RunDirError
        Saying what is wrong with the file and what to do (the parser's own
        text is summarized, never quoted).
    """
    remedy = _REMEDY.get(os.path.basename(path), 'restore it from a copy')
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise RunDirError(f'{path}: missing; is {os.path.dirname(path) or "."} a complete '
                          'gluon_sentiment run directory?') from None
    except OSError as err:
        raise RunDirError(f'{path}: cannot read it ({errno.errorcode.get(err.errno, err.errno)}: '
                          f'{err.strerror})') from None
    if not data.strip():
        raise RunDirError(f'{path}: empty (a copy or write cut short?); {remedy}')
    try:
        return json.loads(data.decode('utf-8'))
    except UnicodeDecodeError as err:
        raise RunDirError(f'{path}: damaged: not UTF-8 text (byte {err.start}); {remedy}') from None
    except json.JSONDecodeError as err:
        end = 'cut short' if err.pos >= len(data.rstrip()) else 'corrupt'
        raise RunDirError(f'{path}: damaged: not valid JSON ({end} at line {err.lineno}, '
                          f'column {err.colno}); {remedy}') from None
    except RecursionError:
        raise RunDirError(f'{path}: damaged: JSON nested too deeply; {remedy}') from None


_REMEDY = {CONFIG: 'restore it from a copy of the run, or retrain',
           METRICS: 'restore it from a copy of the run, or retrain',
           MANIFEST: 're-export the bundle with python -m gluon_sentiment.export',
           ENSEMBLE: 'recreate it with python -m gluon_sentiment.ensemble'}


_TMP = re.compile(r'^\..+\.tmp\d+')


def temporaries(path: str) -> List[str]:
    """Names of the temporary files in folder ``path`` that an interrupted write left."""
    return sorted(name for name in os.listdir(path) if _TMP.match(name))


def remove_temporaries(path: str) -> int:
    """Delete the temporary files an interrupted write left in ``path``; returns how many."""
    names = temporaries(path)
    for name in names:
        os.remove(os.path.join(path, name))
    return len(names)
