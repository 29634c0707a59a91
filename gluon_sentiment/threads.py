"""Thread settings of MXNet, in one place: ``OMP_NUM_THREADS`` for this process and its children.

MXNet reads ``OMP_NUM_THREADS`` once, when its library loads. On small
machines its own default oversubscribes the cores: on a 2-core machine CNN
training ran more than twice as fast with ``OMP_NUM_THREADS=2``.
:func:`configure_threads` (run by the package's ``__init__`` before MXNet is
imported) sets the variable to the number of cores this process may use,
unless the user has set it. A process that needs another count must start
afresh: :func:`thread_env` gives a child's environment and
:func:`restart_with_threads` re-executes a command with it.
"""
import os
import sys
from typing import Dict, List, Optional

__all__ = ['configure_threads', 'usable_cores', 'thread_env', 'restart_with_threads']

_VARIABLE = 'OMP_NUM_THREADS'


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
