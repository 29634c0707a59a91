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
import json
import os
import re
import shutil
import tempfile
from typing import Any, Callable, Iterator, List

from ..errors import RunDirError

__all__ = ['CONFIG', 'VOCAB', 'METRICS', 'BEST_PARAMS', 'SYMBOL_PREFIX', 'SYMBOL_SUFFIXES',
           'RUN_FORMAT', 'MANIFEST', 'BUNDLE_FORMAT', 'SYMBOL', 'PARAMS', 'ONNX', 'INPUT_NAME',
           'ENSEMBLE', 'ENSEMBLE_FORMAT', 'MEMBERS', 'AUTOTUNE', 'AUTOTUNE_FORMAT', 'STUDY_DB',
           'TRIALS', 'TRIALS_CSV', 'HISTORY_PLOT', 'IMPORTANCE_PLOT', 'BEST_COMMAND',
           'epoch_params', 'epoch_states',
           'atomic_write', 'atomic_folder', 'write_json', 'read_json', 'temporaries',
           'remove_temporaries']

# a run directory (gluon_sentiment.artifacts.rundir)
CONFIG = 'config.json'
VOCAB = 'vocab.json'
METRICS = 'metrics.json'
BEST_PARAMS = 'best.params'
SYMBOL_PREFIX = 'model'
#: what ``HybridBlock.export(prefix, epoch=0)`` appends to the prefix
SYMBOL_SUFFIXES = ('-symbol.json', '-0000.params')
RUN_FORMAT = 'gluon_sentiment.run/1'

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

# an autotune folder (gluon_sentiment.training.tuning): the best trial's run files at its top,
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


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)``, then rename ``tmp_path`` to ``path``.

    The temporary file lives in the same folder, so the rename is atomic; it
    is removed if ``write`` fails.
    """
    tmp = os.path.join(os.path.dirname(path) or '.', f'.{os.path.basename(path)}.tmp{os.getpid()}')
    try:
        write(tmp)
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_folder(path: str) -> Iterator[str]:
    """Assemble a folder under a temporary name beside ``path``; swap it in when complete.

    ``with atomic_folder(out) as stage:`` yields the temporary folder to
    fill. On a normal exit an existing ``path`` is replaced by it (the old
    folder is renamed aside first, so ``path`` is never half written); on
    an exception the temporary folder is removed and ``path`` is untouched.
    """
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    stage = tempfile.mkdtemp(prefix=f'.{os.path.basename(path)}.', dir=parent)
    try:
        yield stage
        old = None
        if os.path.exists(path):
            old = f'{stage}.old'
            os.replace(path, old)
        os.replace(stage, path)
        if old:
            shutil.rmtree(old)
    finally:
        if os.path.isdir(stage):
            shutil.rmtree(stage)


def write_json(path: str, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    def write(tmp):
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(obj, f, indent=2, sort_keys=True)
            f.write('\n')
    atomic_write(path, write)


def read_json(path: str) -> Any:
    """Read a JSON file, with a clear error if it is missing or damaged."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except FileNotFoundError:
        raise RunDirError(f'{path}: missing; is {os.path.dirname(path) or "."} a complete '
                          'gluon_sentiment run directory?') from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise RunDirError(f'{path}: damaged JSON ({err})') from None


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
