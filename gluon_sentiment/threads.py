"""Thread and cache settings of MXNet, in one place: ``OMP_NUM_THREADS`` and the bounds of
MXNet's process-wide caches, for this process and its children.

MXNet reads ``OMP_NUM_THREADS`` once, when its library loads. On small
machines its own default oversubscribes the cores: on a 2-core machine CNN
training ran more than twice as fast with ``OMP_NUM_THREADS=2``.
:func:`configure_threads` (run by the package's ``__init__`` before MXNet is
imported) sets the variable to the number of cores this process may use,
unless the user has set it. A process that needs another count must start
afresh: :func:`thread_env` gives a child's environment and
:func:`restart_with_threads` re-executes a command with it.

:func:`bound_caches` (also run by ``__init__``) bounds what MXNet keeps for
the whole process (:data:`CACHE_BOUNDS`), unless the user has set it:

* the caches of oneDNN primitives. MXNet keeps one primitive per operator
  and input shape, in a map per operator and thread that it never empties
  by default (``MXNET_MKLDNN_CACHE_NUM=-1``); oneDNN keeps its own cache of
  the kernels besides. Length-bucketed batches give nearly every batch a
  width of its own (its longest review plus the widest kernel), so the
  caches grew with every new width: the GloVe CNN of the best
  configuration (1,000 tokens) peaked at 1.93 GB with them unbounded and
  1.25 GB bounded, with the same parameters to the byte and no slower;
* the copies of the CPU's temporary workspace (``MXNET_CPU_TEMP_COPY``,
  4 by default), each of which keeps the largest size ever requested
  until the process ends. One CPU worker thread runs the operators (MXNet's
  default), so one copy serves it: the n-gram member of the best
  configuration peaked 108 MB lower (1.74 GB), with the same parameters
  and epoch times.

MXNet reads these variables once, when it first needs them; the package's
``__init__`` sets them before it imports MXNet (README: "Memory").
"""
import os
import sys
from typing import Dict, List, Optional

__all__ = ['configure_threads', 'usable_cores', 'thread_env', 'restart_with_threads',
           'CACHE_BOUNDS', 'bound_caches']

_VARIABLE = 'OMP_NUM_THREADS'
#: What MXNet keeps for the whole process, bounded: MXNet's oneDNN primitives, entries per
#: operator and thread (its default -1 is unbounded); oneDNN's own, entries in all (default
#: 1024); the copies of the CPU's temporary workspace (default 4).
CACHE_BOUNDS: Dict[str, str] = {'MXNET_MKLDNN_CACHE_NUM': '32',
                                'DNNL_PRIMITIVE_CACHE_CAPACITY': '64',
                                'MXNET_CPU_TEMP_COPY': '1'}


def usable_cores() -> int:
    """Number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def configure_threads() -> int:
    """Set ``OMP_NUM_THREADS`` to the usable core count unless already decided.

    Returns
    -------
    int
        The thread count in effect (0 if MXNet was already imported and the
        variable is unset, so nothing can be said).
    """
    if _VARIABLE in os.environ:
        return int(os.environ[_VARIABLE] or 0)
    if 'mxnet' in sys.modules:
        return 0
    cores = usable_cores()
    os.environ[_VARIABLE] = str(cores)
    return cores


def bound_caches() -> Dict[str, str]:
    """Set each variable of :data:`CACHE_BOUNDS` that the user has not set.

    Returns
    -------
    dict
        The value in effect of each variable (the user's where set).
    """
    for name, value in CACHE_BOUNDS.items():
        os.environ.setdefault(name, value)
    return {name: os.environ[name] for name in CACHE_BOUNDS}


def thread_env(threads: int, base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """A copy of ``base`` (default ``os.environ``) with ``OMP_NUM_THREADS=threads``."""
    return {**(os.environ if base is None else base), _VARIABLE: str(threads)}


def restart_with_threads(module: str, argv: List[str], threads: int) -> None:
    """Re-execute ``python -m module argv`` with ``OMP_NUM_THREADS=threads``, unless already so.

    Importing this package has loaded MXNet, which has read the variable; a
    fresh process is the only way to change it. Returns (without restarting)
    when the variable already has that value or ``threads`` is below 1.
    """
    if threads >= 1 and os.environ.get(_VARIABLE) != str(threads):
        os.execve(sys.executable, [sys.executable, '-m', module] + list(argv),
                  thread_env(threads))
