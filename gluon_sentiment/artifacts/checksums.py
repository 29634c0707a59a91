"""SHA-256 checksums of the parameter and state files, recorded when written and checked on load.

A parameter file cut short by a copy, or flipped by a bad disk, may still
parse; its checksum tells a damaged file from one of a different model.
Where the checksums are kept:

* a run's ``metrics.json``: ``checksums`` maps every parameter and state file
  the run keeps (``epoch-NNNN.params``, the last ``epoch-NNNN.states``,
  ``best.params``) to its SHA-256, and the ``checkpoint`` record repeats
  those of its two files (see :mod:`gluon_sentiment.training.checkpoint`);
* a bundle's ``manifest.json``: ``checksums`` maps every file of ``files``
  to its SHA-256.

Runs and bundles written before checksums existed have none; they load,
with a warning that damage cannot be told apart.
"""
import hashlib
import logging
import os
from typing import Callable, Optional

from ..errors import RunDirError
from .store import METRICS, atomic_write, read_json

__all__ = ['sha256_file', 'write_checked', 'verify_checksum', 'run_checksum']

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


def sha256_file(path: str) -> str:
    """The SHA-256 of the file ``path``, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(_CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def write_checked(path: str, write: Callable[[str], None]) -> str:
    """:func:`~gluon_sentiment.artifacts.store.atomic_write` ``path``; its SHA-256.

    The checksum is taken of the temporary file before it is renamed, so it
    is that of exactly the bytes written.
    """
    digest = []

    def write_and_hash(tmp: str) -> None:
        write(tmp)
        digest.append(sha256_file(tmp))
    atomic_write(path, write_and_hash)
    return digest[0]


def verify_checksum(path: str, expected: Optional[str], what: str, remedy: str) -> None:
    """Check the file ``path`` against the SHA-256 recorded when it was written.

    Parameters
    ----------
    path : str
        The file.
    expected : str or None
        The recorded SHA-256; None (an artifact written before checksums)
        logs a warning and checks nothing.
    what : str
        What the file holds, for the message (``'parameters'``).
    remedy : str
        What to do about a damaged file (``'re-export the bundle'``).

    Raises
    ------
    RunDirError
        If the file is missing or its checksum differs: it is damaged.
    """
    if expected is None:
        log.warning('%s: no checksum recorded (written by an older gluon_sentiment); a damaged '
                    'file cannot be told from a good one', path)
        return
    try:
        actual = sha256_file(path)
    except FileNotFoundError:
        raise RunDirError(f'{path}: missing; {remedy}') from None
    except OSError as err:
        raise RunDirError(f'{path}: cannot read it ({err.strerror}); {remedy}') from None
    if actual != expected:
        raise RunDirError(f'{path}: cannot load these {what}: the file is damaged (its SHA-256 '
                          f'differs from the one recorded when it was written); {remedy}')


def run_checksum(run_dir: str, name: str) -> Optional[str]:
    """The SHA-256 that the run's ``metrics.json`` records for its file ``name``, or None.

    None for a run written before checksums, or without ``metrics.json``.

    Raises
    ------
    RunDirError
        If ``metrics.json`` is damaged.
    """
    path = os.path.join(run_dir, METRICS)
    if not os.path.isfile(path):
        return None
    metrics = read_json(path)
    sums = metrics.get('checksums') if isinstance(metrics, dict) else None
    value = sums.get(name) if isinstance(sums, dict) else None
    return value if isinstance(value, str) else None
