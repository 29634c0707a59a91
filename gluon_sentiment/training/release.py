"""Memory handed back between the stages of a long process (ensemble members, autotune trials).

A training leaves garbage behind when it returns: its network, trainer and
encoded data become unreachable only once the caller drops them, Python
frees reference cycles only when its collector runs, and glibc keeps
freed heap pages in its arenas rather than giving them back to the
kernel. The next stage then starts from a resident size that still counts
the last one. :func:`release_memory` runs the collector, waits for
MXNet's pending operations (whose arrays are freed when they finish) and
asks glibc to return its free pages (``malloc_trim(0)``, where the C
library has it). :func:`~gluon_sentiment.training.recipes.train_best` calls
it after each member and each member's scores,
:func:`~gluon_sentiment.tuning.autotune` after each trial. In
``examples/train_best.py`` on the IMDB train split the process held 965 MB
after the n-gram member without it and about 550 MB with it.
"""
import ctypes
import gc
import logging

import mxnet as mx

__all__ = ['release_memory', 'malloc_trim']

log = logging.getLogger(__name__)


def malloc_trim() -> bool:
    """Ask the C library to return its free heap pages to the kernel (glibc's ``malloc_trim(0)``).

    Returns
    -------
    bool
        Whether the C library has ``malloc_trim`` (False elsewhere, e.g. musl or macOS: a no-op).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the symbols already loaded: the C library's
    except (OSError, AttributeError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True


def release_memory() -> None:
    """Collect garbage, finish MXNet's pending work and return the free heap to the kernel.

    Call it once a stage's objects (network, trainer, data) are dropped; it
    changes no result, only the resident size the next stage starts from.
    """
    gc.collect()
    mx.nd.waitall()
    gc.collect()
    trimmed = malloc_trim()
    log.debug('released memory (malloc_trim: %s)', 'done' if trimmed else 'not available')
