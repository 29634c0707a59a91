"""The run directory: what a training run leaves behind.

Layout (file names in :mod:`gluon_sentiment.artifacts.store`)::

    RUN_DIR/config.json           TrainConfig + model name and constructor arguments
    RUN_DIR/vocab.json            the gluonnlp Vocab
    RUN_DIR/epoch-0001.params     parameters after each epoch
    RUN_DIR/best.params           parameters of the epoch with the best validation accuracy
    RUN_DIR/model-symbol.json     the exported graph (best epoch), as the tutorial kept it
    RUN_DIR/model-0000.params     ... and its parameters
    RUN_DIR/metrics.json          per-epoch history, val_accuracy, test_accuracy

Every file is written atomically (:func:`~gluon_sentiment.artifacts.store.atomic_write`).
"""
import os
import shutil
from typing import Any, Dict

import gluonnlp as nlp

from .._version import __version__
from ..errors import RunDirError
from .params import save_parameters
from .store import (CONFIG, RUN_FORMAT, SYMBOL_PREFIX, SYMBOL_SUFFIXES, atomic_write, read_json,
                    storage_guard, temporaries)

__all__ = ['is_run_dir', 'read_config', 'check_compatible', 'prepare_run_dir', 'save_vocab',
           'load_vocab', 'save_params', 'export_symbol', 'describe']

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
    _check_fields(config, os.path.join(path, CONFIG))
    return config


_FIELDS = (('model', str), ('model_kwargs', dict), ('seq_len', int))


def _check_fields(config: Dict[str, Any], path: str) -> None:
    """Refuse a config whose entries that rebuild the model are missing or of the wrong type."""
    for key, kind in _FIELDS:
        value = config.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            found = f'a {type(value).__name__}' if key in config else 'missing'
            raise RunDirError(f'{path}: damaged: {key!r} is {found}, not a {kind.__name__}; '
                              'restore it from a copy of the run, or retrain')


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


_IGNORED = {'overwrite', 'output_dir', 'version', 'run_format', 'model_kwargs', 'class_names',
            'calibration', 'decision_threshold'}


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
        raise RunDirError(f'{path}: missing vocabulary; restore it from a copy of the run, '
                          'or retrain') from None
    except OSError as err:
        raise RunDirError(f'{path}: cannot read it ({err.strerror})') from None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        raise RunDirError(f'{path}: damaged: not the JSON of a gluonnlp vocabulary; restore it '
                          'from a copy of the run, or retrain') from None


def save_params(net, path: str) -> None:
    """``net.save_parameters`` to ``path``, atomically, without a copy of the network
    (:func:`~gluon_sentiment.artifacts.params.save_parameters`)."""
    atomic_write(path, lambda tmp: save_parameters(net, tmp))


def export_symbol(net, run_dir: str, prefix: str = SYMBOL_PREFIX) -> None:
    """Export the hybridized ``net`` as ``PREFIX-symbol.json`` + ``PREFIX-0000.params``.

    ``net`` must be hybridized and have run a forward pass. Both files are
    written under temporary names first and renamed into place.
    """
    tmp_prefix = os.path.join(run_dir, f'.{prefix}.tmp{os.getpid()}')
    try:
        with storage_guard(os.path.join(run_dir, prefix + SYMBOL_SUFFIXES[-1]),
                           tmp_prefix + SYMBOL_SUFFIXES[-1]):
            net.export(tmp_prefix, epoch=0)
            for suffix in SYMBOL_SUFFIXES:
                os.replace(tmp_prefix + suffix, os.path.join(run_dir, prefix + suffix))
    finally:
        for suffix in SYMBOL_SUFFIXES:
            if os.path.exists(tmp_prefix + suffix):
                os.remove(tmp_prefix + suffix)


def describe(config: Dict[str, Any], model: str, model_kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The dict saved as ``config.json``: the train config plus what rebuilds the model."""
    return {**config, 'run_format': RUN_FORMAT, 'version': __version__, 'model': model,
            'model_kwargs': model_kwargs}

