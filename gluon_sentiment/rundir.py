"""The run directory: what a training run leaves behind, written atomically.

Layout::

    RUN_DIR/config.json           TrainConfig + model name and constructor arguments
    RUN_DIR/vocab.json            the gluonnlp Vocab
    RUN_DIR/epoch-0001.params     parameters after each epoch
    RUN_DIR/best.params           parameters of the epoch with the best validation accuracy
    RUN_DIR/model-symbol.json     the exported graph (best epoch), as the tutorial kept it
    RUN_DIR/model-0000.params     ... and its parameters
    RUN_DIR/metrics.json          per-epoch history, val_accuracy, test_accuracy

Every file is written to a temporary name in the same folder and renamed
into place, so a crash or a kill leaves either the old file or the new one,
never half of one.
"""
import json
import os
import re
import shutil
from typing import Any, Callable, Dict, List

import gluonnlp as nlp

from . import __version__
from .errors import RunDirError

__all__ = ['CONFIG', 'VOCAB', 'METRICS', 'BEST_PARAMS', 'SYMBOL_PREFIX', 'RUN_FORMAT',
           'epoch_params', 'atomic_write', 'temporaries', 'write_json', 'read_json', 'is_run_dir',
           'prepare_run_dir', 'save_vocab', 'load_vocab', 'save_params', 'export_symbol',
           'read_config', 'check_compatible']

CONFIG = 'config.json'
VOCAB = 'vocab.json'
METRICS = 'metrics.json'
BEST_PARAMS = 'best.params'
SYMBOL_PREFIX = 'model'
#: what ``HybridBlock.export(prefix, epoch=0)`` appends to the prefix
SYMBOL_SUFFIXES = ('-symbol.json', '-0000.params')
RUN_FORMAT = 'gluon_sentiment.run/1'


def epoch_params(epoch: int) -> str:
    """File name of the parameters saved after ``epoch`` (1-based)."""
    return f'epoch-{epoch:04d}.params'


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


def temporaries(path: str) -> List[str]:
    """Names of the temporary files in folder ``path`` that an interrupted write left."""
    return sorted(name for name in os.listdir(path) if _TMP.match(name))


_TMP = re.compile(r'^\..+\.tmp\d+')


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


def is_run_dir(path: str) -> bool:
    """Whether ``path`` holds a run's ``config.json``."""
    return os.path.isfile(os.path.join(path, CONFIG))


def read_config(path: str) -> Dict[str, Any]:
    """The saved ``config.json`` of the run in ``path``.

    Raises
    ------
    RunDirError
        If ``path`` is not a run directory.
    """
    if not os.path.isdir(path):
        raise RunDirError(f'{path}: no such run directory; pass the --output-dir of a training run')
    if not is_run_dir(path):
        raise RunDirError(f'{path}: not a gluon_sentiment run (no {CONFIG}); pass the '
                          '--output-dir of a training run')
    config = read_json(os.path.join(path, CONFIG))
    check_compatible(config, os.path.join(path, CONFIG))
    return config


def check_compatible(config: Any, path: str = CONFIG) -> None:
    """Refuse a ``config.json`` this package version cannot read.

    A run is readable when its ``run_format`` is :data:`RUN_FORMAT` and it was
    made by a package version with the same major number.

    Raises
    ------
    RunDirError
        Naming the format or version that differs.
    """
    if not isinstance(config, dict):
        raise RunDirError(f'{path}: not a {RUN_FORMAT} config (a JSON {type(config).__name__})')
    made_by = config.get('version')
    if config.get('run_format') != RUN_FORMAT:
        raise RunDirError(f'{path}: run format {config.get("run_format")!r} (gluon_sentiment '
                          f'{made_by}) cannot be read by gluon_sentiment {__version__}, which '
                          f'reads {RUN_FORMAT!r}; use the version that made the run, or retrain')
    if str(made_by).split('.')[0] != __version__.split('.')[0]:
        raise RunDirError(f'{path}: made by gluon_sentiment {made_by}, incompatible with the '
                          f'installed {__version__} (major versions differ); use the version '
                          'that made the run, or retrain')


def prepare_run_dir(path: str, config: Dict[str, Any], overwrite: bool = False) -> None:
    """Create ``path`` for a new run, refusing to mix two runs.

    A folder holding a run with a different configuration, or files that
    are not a run, is refused unless ``overwrite``; then an old run's
    folder is emptied. A folder holding a run with the same configuration
    is reused (its files are replaced as the new run writes them).

    Raises
    ------
    RunDirError
        If the folder cannot be used.
    """
    if os.path.exists(path) and not os.path.isdir(path):
        raise RunDirError(f'--output-dir {path}: exists and is not a folder')
    if os.path.isdir(path) and set(os.listdir(path)) - set(temporaries(path)):
        if is_run_dir(path):
            old = read_json(os.path.join(path, CONFIG))
            if _comparable(old) != _comparable(config):
                if not overwrite:
                    changed = sorted(k for k in set(old) | set(config)
                                     if k not in _IGNORED and old.get(k) != config.get(k))
                    raise RunDirError(f'--output-dir {path}: holds a different run '
                                      f'(differs in {", ".join(changed[:5])}); choose another '
                                      'folder or pass --overwrite to replace it')
                shutil.rmtree(path)
        elif not overwrite:
            raise RunDirError(f'--output-dir {path}: holds files that are not a gluon_sentiment '
                              'run; choose an empty or new folder, or pass --overwrite')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as err:
        raise RunDirError(f'--output-dir {path}: cannot create it ({err.strerror})') from None


_IGNORED = {'overwrite', 'output_dir', 'version', 'run_format', 'model_kwargs'}


def _comparable(config: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in config.items() if k not in _IGNORED}


def save_vocab(path: str, vocab: nlp.Vocab) -> None:
    """Write ``vocab`` as gluonnlp's JSON, atomically."""
    def write(tmp):
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(vocab.to_json())
    atomic_write(path, write)


def load_vocab(path: str) -> nlp.Vocab:
    """Read a vocabulary written by :func:`save_vocab`."""
    try:
        with open(path, encoding='utf-8') as f:
            return nlp.Vocab.from_json(f.read())
    except FileNotFoundError:
        raise RunDirError(f'{path}: missing vocabulary') from None
    except (ValueError, KeyError) as err:
        raise RunDirError(f'{path}: damaged vocabulary ({err})') from None


def save_params(net, path: str) -> None:
    """``net.save_parameters`` to ``path``, atomically."""
    atomic_write(path, net.save_parameters)


def export_symbol(net, run_dir: str, prefix: str = SYMBOL_PREFIX) -> None:
    """Export the hybridized ``net`` as ``PREFIX-symbol.json`` + ``PREFIX-0000.params``.

    ``net`` must be hybridized and have run a forward pass. Both files are
    written under temporary names first and renamed into place.
    """
    tmp_prefix = os.path.join(run_dir, f'.{prefix}.tmp{os.getpid()}')
    net.export(tmp_prefix, epoch=0)
    for suffix in SYMBOL_SUFFIXES:
        os.replace(tmp_prefix + suffix, os.path.join(run_dir, prefix + suffix))


def describe(config: Dict[str, Any], model: str, model_kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The dict saved as ``config.json``: the train config plus what rebuilds the model."""
    return {**config, 'run_format': RUN_FORMAT, 'version': __version__, 'model': model,
            'model_kwargs': model_kwargs}


__all__.append('describe')
