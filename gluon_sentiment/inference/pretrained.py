"""Models shipped inside the package, loaded by name and offline.

::

    import gluon_sentiment as gs
    gs.list_pretrained()          # ['imdb']
    clf = gs.load_model('imdb')   # the shipped IMDB model; no download

A pretrained model is a folder under ``gluon_sentiment/pretrained/``
holding a run (``config.json``, ``vocab.json``, its parameters) and its
``MODEL_CARD.md``; its name is the folder's. Adding one is adding a folder
(and listing it in ``setup.cfg``'s package data). The package folder is
read, never written: commands that write next to a model (``evaluate``'s
report) write to the working directory for a pretrained model instead.

A path that exists always wins over a pretrained name, so a run directory
called ``imdb`` in the working directory is loaded as that run.
"""
import os
from typing import List

from ..artifacts.store import CONFIG, ENSEMBLE
from ..errors import RunDirError

__all__ = ['DEFAULT_MODEL', 'MODEL_CARD', 'PRETRAINED_ROOT', 'list_pretrained', 'pretrained_path',
           'resolve_model', 'is_pretrained']

#: the model ``predict``, ``evaluate``, ``serve`` and ``export`` use when ``--model`` is omitted
DEFAULT_MODEL = 'imdb'
#: the model card inside each pretrained folder
MODEL_CARD = 'MODEL_CARD.md'
#: where the pretrained folders are installed (inside the package; read-only by contract)
PRETRAINED_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               'pretrained')


def list_pretrained() -> List[str]:
    """Names of the models shipped with the package, sorted (e.g. ``['imdb']``)."""
    if not os.path.isdir(PRETRAINED_ROOT):
        return []
    return sorted(name for name in os.listdir(PRETRAINED_ROOT)
                  if any(os.path.isfile(os.path.join(PRETRAINED_ROOT, name, marker))
                         for marker in (CONFIG, ENSEMBLE)))


def pretrained_path(name: str) -> str:
    """The folder of the pretrained model ``name``.

    Raises
    ------
    RunDirError
        If no model of that name is shipped; the message lists the names.
    """
    names = list_pretrained()
    if name not in names:
        raise RunDirError(f'{name}: no such run directory, and not a pretrained model (shipped: '
                          f'{", ".join(names) or "none"}); give a run directory, bundle or '
                          'ensemble, or one of those names')
    return os.path.join(PRETRAINED_ROOT, name)


def resolve_model(model: str) -> str:
    """The folder ``model`` names: an existing path as it is, else a pretrained model's folder.

    A ``model`` holding a path separator is always a path (whose absence the
    loader reports as for any run).

    Raises
    ------
    RunDirError
        If ``model`` is a bare name that is neither an existing path nor a
        pretrained model.
    """
    if os.path.exists(model) or '/' in model or os.sep in model:
        return model
    return pretrained_path(model)


def is_pretrained(path: str) -> bool:
    """Whether ``path`` lies inside the package's pretrained folder (which is never written)."""
    root = os.path.realpath(PRETRAINED_ROOT)
    return os.path.commonpath([root, os.path.realpath(path)]) == root
